package io.hormesis.stats.change;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CusumTest {

    /**
     * Montgomery, Introduction to Statistical Quality Control, 6th ed. (2009), Table 9.1: 30
     * observations, the first 20 from N(10, 1), the last 10 from N(11, 1).
     */
    static final double[] MONTGOMERY_TABLE_9_1 = {
        9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34, //
        9.03, 11.47, 10.51, 9.40, 10.08, 9.37, 10.62, 10.31, 8.52, 10.84, //
        10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52
    };

    /** Ibid., Table 9.2 (tabular CUSUM, mu0 = 10, sigma = 1, k = 0.5, h = 5): C+ per period. */
    static final double[] MONTGOMERY_TABLE_9_2_UPPER = {
        0, 0, 0, 1.16, 2.82, 2.50, 0.04, 1.00, 0, 0, //
        0, 0.97, 0.98, 0, 0, 0, 0.12, 0, 0, 0.34, //
        0.74, 0, 1.79, 2.79, 2.89, 3.47, 3.35, 4.47, 5.28, 5.30
    };

    /** Ibid., Table 9.2: C- per period. */
    static final double[] MONTGOMERY_TABLE_9_2_LOWER = {
        0.05, 1.56, 1.77, 0, 0, 0, 1.46, 0, 0.30, 0, //
        0.47, 0, 0, 0.10, 0, 0.13, 0, 0, 0.98, 0, //
        0, 0.17, 0, 0, 0, 0, 0, 0, 0, 0
    };

    @Test
    void reproducesMontgomerysTabularCusum() {
        Cusum cusum = new Cusum(10, 1, 0.5, 5, false);
        List<Integer> outOfControl = new ArrayList<>();
        for (int i = 0; i < MONTGOMERY_TABLE_9_1.length; i++) {
            int period = i + 1;
            if (cusum.update(MONTGOMERY_TABLE_9_1[i])) {
                outOfControl.add(period);
            }
            // The table rounds to two decimals.
            assertThat(cusum.upper())
                    .as("C+ at period %d", period)
                    .isCloseTo(MONTGOMERY_TABLE_9_2_UPPER[i], within(0.005));
            assertThat(cusum.lower())
                    .as("C- at period %d", period)
                    .isCloseTo(MONTGOMERY_TABLE_9_2_LOWER[i], within(0.005));
            if (period == 29) {
                // Montgomery: "N+ = 7", the shift began after period 22, and the new mean is
                // estimated as 10 + 0.5 + 5.28 / 7 = 11.25 (eq. 9.4).
                assertThat(cusum.upperRun()).isEqualTo(7);
                assertThat(cusum.shiftedMean()).isCloseTo(11.25, within(0.005));
            }
        }
        // First out-of-control period: 29 (C+ = 5.28 > H = 5); it stays out at period 30.
        assertThat(outOfControl).containsExactly(29, 30);
        assertThat(cusum.detections()).isEqualTo(2);
    }

    @Test
    void restartsAfterASignalWhenAskedTo() {
        Cusum cusum = new Cusum(10, 1, 0.5, 5, true);
        List<Integer> outOfControl = new ArrayList<>();
        for (int i = 0; i < MONTGOMERY_TABLE_9_1.length; i++) {
            if (cusum.update(MONTGOMERY_TABLE_9_1[i])) {
                outOfControl.add(i + 1);
            }
        }
        assertThat(outOfControl).containsExactly(29);
        // Restarted at period 30: C+ = max(0, 10.52 - 10.5 + 0).
        assertThat(cusum.upper()).isCloseTo(0.02, within(1e-9));
        assertThat(cusum.upperRun()).isEqualTo(1);
    }

    @Test
    void learnsTheInControlLevelFromAWarmup() {
        // Reference: numpy 2.4.6, w = the first 20 values of Table 9.1: w.mean() = 9.996,
        // w.std(ddof=1) = 1.1816687575761575; then the same recursion over the last 10 values with
        // K = 0.5 * sd, H = 5 * sd = 5.908343787880788 gives C+ below, C- = 0 from period 23 on,
        // and no signal.
        double[] upper = {
            0.3131656212119207,
            0,
            1.7031656212119195,
            2.61633124242384,
            2.62949686363576,
            3.1226624848476803,
            2.9158281060596014,
            3.948993727271521,
            4.672159348483442,
            4.605324969695362
        };
        Cusum cusum = Cusum.learning(20, 0.5, 5, true);
        for (int i = 0; i < 20; i++) {
            assertThat(cusum.update(MONTGOMERY_TABLE_9_1[i])).isFalse();
        }
        assertThat(cusum.mu0()).isCloseTo(9.996, within(1e-12));
        assertThat(cusum.sigma()).isCloseTo(1.1816687575761575, within(1e-12));
        for (int i = 20; i < 30; i++) {
            assertThat(cusum.update(MONTGOMERY_TABLE_9_1[i])).isFalse();
            assertThat(cusum.upper()).as("C+ at %d", i + 1).isCloseTo(upper[i - 20], within(1e-9));
        }
        assertThat(cusum.lower()).isZero();
    }

    @Test
    void extendsTheWarmupWhileTheSpreadIsZero() {
        Cusum cusum = Cusum.learning(3, 0.5, 5, true);
        for (int i = 0; i < 5; i++) {
            cusum.update(7);
        }
        assertThat(cusum.sigma()).isNaN();
        cusum.update(9);
        // Six values 7,7,7,7,7,9: mean 22/3, sample sd sqrt(2/3).
        assertThat(cusum.mu0()).isCloseTo(22.0 / 3, within(1e-12));
        assertThat(cusum.sigma()).isCloseTo(Math.sqrt(2.0 / 3), within(1e-12));
    }

    @Test
    void detectsADownwardShift() {
        Cusum cusum = new Cusum(0, 1, 0.5, 5, true);
        SplittableRandom random = new SplittableRandom(9);
        int first = -1;
        for (int i = 0; i < 400 && first < 0; i++) {
            double x = (random.nextDouble() - 0.5) * Math.sqrt(12) - (i >= 300 ? 2 : 0);
            // Before the shift an occasional false alarm is expected (ARL0 465); we want the first
            // signal after it.
            if (cusum.update(x) && i >= 300) {
                first = i;
            }
        }
        // A 2-sigma shift with k = 0.5, h = 5 has ARL about 4 (Montgomery Table 9.3: 4.01).
        assertThat(first).isBetween(300, 315);
        assertThat(cusum.lower()).isGreaterThan(5);
        assertThat(cusum.shiftedMean()).isLessThan(-1);
    }

    @Test
    void aRestoredDetectorContinuesBitForBit() {
        Cusum original = Cusum.learning(50, 0.5, 4, true);
        SplittableRandom random = new SplittableRandom(12);
        double[] xs = new double[5_000];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = 3 + random.nextDouble() + (i > 2_500 ? 0.3 : 0);
        }
        for (int i = 0; i < 30; i++) {
            original.update(xs[i]); // mid warm-up
        }
        byte[] snapshot = original.toBytes();
        assertThat(snapshot).hasSize(Cusum.SERIALIZED_BYTES);
        Cusum restored = Cusum.fromBytes(snapshot);
        assertThat(restored.toBytes()).isEqualTo(snapshot);
        for (int i = 30; i < xs.length; i++) {
            assertThat(restored.update(xs[i])).as("at %d", i).isEqualTo(original.update(xs[i]));
        }
        assertThat(restored.toBytes()).isEqualTo(original.toBytes());
        assertThat(original.detections()).isPositive();
    }

    @Test
    void resetForgetsALearnedLevelButKeepsAGivenOne() {
        Cusum learned = Cusum.learning(5, 0.5, 5, true);
        Cusum given = new Cusum(10, 1, 0.5, 5, true);
        for (double x : MONTGOMERY_TABLE_9_1) {
            learned.update(x);
            given.update(x);
        }
        learned.reset();
        given.reset();
        assertThat(learned.toBytes()).isEqualTo(Cusum.learning(5, 0.5, 5, true).toBytes());
        assertThat(given.toBytes()).isEqualTo(new Cusum(10, 1, 0.5, 5, true).toBytes());
    }

    @Test
    void rejectsBadParameters() {
        assertThatThrownBy(() -> new Cusum(10, 0, 0.5, 5, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sigma");
        assertThatThrownBy(() -> new Cusum(Double.NaN, 1, 0.5, 5, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mu0");
        assertThatThrownBy(() -> new Cusum(10, 1, -0.5, 5, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k must");
        assertThatThrownBy(() -> new Cusum(10, 1, 0.5, 0, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("h must");
        assertThatThrownBy(() -> Cusum.learning(1, 0.5, 5, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("warmup");
        assertThatThrownBy(() -> new Cusum(10, 1, 0.5, 5, true).update(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("finite");
    }
}
