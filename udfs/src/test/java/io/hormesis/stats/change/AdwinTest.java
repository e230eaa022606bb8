package io.hormesis.stats.change;

import moa.classifiers.core.driftdetection.ADWIN;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Oracle: MOA 2024.07.0's {@code moa.classifiers.core.driftdetection.ADWIN} (test-scope
 * dependency), fed the same seeded streams with the same delta and clock. Detections, window width,
 * mean and variance must be identical, not close.
 */
class AdwinTest {

    /** Mean 0 then 1, unit normal noise: an abrupt shift at 5,000. */
    static double[] abruptShift() {
        SplittableRandom random = new SplittableRandom(101);
        double[] xs = new double[10_000];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (i < 5_000 ? 0.0 : 1.0) + gaussian(random);
        }
        return xs;
    }

    /** Mean ramping from 0 to 3 over observations 4,000..12,000, noise sd 0.5, then level. */
    static double[] gradualDrift() {
        SplittableRandom random = new SplittableRandom(202);
        double[] xs = new double[16_000];
        for (int i = 0; i < xs.length; i++) {
            double level = 3.0 * Math.min(1.0, Math.max(0.0, (i - 4_000) / 8_000.0));
            xs[i] = level + 0.5 * gaussian(random);
        }
        return xs;
    }

    /**
     * Errors of a classifier: Bernoulli 0/1 with p = 0.2, then 0.5 from 6,000, then 0.1 from
     * 12,000.
     */
    static double[] bernoulli() {
        SplittableRandom random = new SplittableRandom(303);
        double[] xs = new double[18_000];
        for (int i = 0; i < xs.length; i++) {
            double p = i < 6_000 ? 0.2 : i < 12_000 ? 0.5 : 0.1;
            xs[i] = random.nextDouble() < p ? 1.0 : 0.0;
        }
        return xs;
    }

    /** Stationary latencies (lognormal around 100) with no change at all, 60,000 long. */
    static double[] noChange() {
        SplittableRandom random = new SplittableRandom(404);
        double[] xs = new double[60_000];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = 100 * Math.exp(0.3 * gaussian(random));
        }
        return xs;
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller, so the streams do not depend on java.util.Random's cached second deviate.
        double u = 1.0 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    private record Run(List<Integer> detections, int width, double mean, double variance) {}

    private static Run ours(double[] xs, double delta) {
        Adwin adwin = new Adwin(delta);
        List<Integer> detections = new ArrayList<>();
        for (int i = 0; i < xs.length; i++) {
            if (adwin.update(xs[i])) {
                detections.add(i);
            }
        }
        return new Run(detections, adwin.width(), adwin.mean(), adwin.variance());
    }

    private static Run moa(double[] xs, double delta) {
        ADWIN adwin = new ADWIN(delta);
        List<Integer> detections = new ArrayList<>();
        for (int i = 0; i < xs.length; i++) {
            if (adwin.setInput(xs[i])) {
                detections.add(i);
            }
        }
        return new Run(detections, adwin.getWidth(), adwin.getEstimation(), adwin.getVariance());
    }

    private static void assertSameAsMoa(double[] xs, double delta) {
        Run moa = moa(xs, delta);
        Run ours = ours(xs, delta);
        assertThat(ours.detections()).isEqualTo(moa.detections());
        assertThat(ours.width()).isEqualTo(moa.width());
        assertThat(Double.doubleToRawLongBits(ours.mean()))
                .isEqualTo(Double.doubleToRawLongBits(moa.mean()));
        assertThat(Double.doubleToRawLongBits(ours.variance()))
                .isEqualTo(Double.doubleToRawLongBits(moa.variance()));
    }

    @Test
    void abruptShiftMatchesMoa() {
        double[] xs = abruptShift();
        assertSameAsMoa(xs, Adwin.DEFAULT_DELTA);
        Run ours = ours(xs, Adwin.DEFAULT_DELTA);
        // And it is a real detection: the first one lies shortly after the shift.
        assertThat(ours.detections()).isNotEmpty();
        assertThat(ours.detections().get(0)).isBetween(5_000, 5_400);
        assertThat(ours.width()).isLessThan(5_400);
    }

    @Test
    void gradualDriftMatchesMoa() {
        double[] xs = gradualDrift();
        assertSameAsMoa(xs, Adwin.DEFAULT_DELTA);
        assertThat(ours(xs, Adwin.DEFAULT_DELTA).detections().size()).isGreaterThan(2);
    }

    @Test
    void bernoulliStreamMatchesMoaAtSeveralDeltas() {
        double[] xs = bernoulli();
        for (double delta : new double[] {0.002, 0.05, 1e-5}) {
            assertSameAsMoa(xs, delta);
        }
        assertThat(ours(xs, 0.002).detections()).isNotEmpty();
    }

    @Test
    void noChangeStreamMatchesMoa() {
        double[] xs = noChange();
        assertSameAsMoa(xs, Adwin.DEFAULT_DELTA);
        Run ours = ours(xs, Adwin.DEFAULT_DELTA);
        assertThat(ours.detections().size()).isLessThanOrEqualTo(1);
        assertThat(ours.width()).isGreaterThan(30_000);
    }

    @Test
    void largeOffsetsTinyNoiseAndNegativeValuesMatchMoa() {
        // Stresses the rounding of the mean differences: 1e6 plus noise of sd 1e-3 with a shift of
        // 3e-3, and the same shifted to around -1e6 and to around 0.
        SplittableRandom random = new SplittableRandom(505);
        for (double offset : new double[] {1e6, -1e6, 0}) {
            double[] xs = new double[12_000];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = offset + 1e-3 * gaussian(random) + (i >= 6_000 ? 3e-3 : 0);
            }
            assertSameAsMoa(xs, Adwin.DEFAULT_DELTA);
            assertThat(ours(xs, Adwin.DEFAULT_DELTA).detections()).isNotEmpty();
        }
    }

    @Test
    void matchesMoaAtEveryStepWithAShortClock() {
        double[] xs = abruptShift();
        Adwin ours = new Adwin(0.01, 1);
        ADWIN moa = new ADWIN(0.01);
        moa.setClock(1);
        for (int i = 0; i < 8_000; i++) {
            assertThat(ours.update(xs[i])).as("at %d", i).isEqualTo(moa.setInput(xs[i]));
            assertThat(ours.width()).as("at %d", i).isEqualTo(moa.getWidth());
            assertThat(ours.total()).as("at %d", i).isEqualTo(moa.getTotal());
        }
        assertThat(ours.count()).isEqualTo(8_000);
        assertThat(ours.detections()).isEqualTo(moa.getNumberDetections());
    }

    @Test
    void aRestoredDetectorContinuesBitForBit() {
        double[] xs = gradualDrift();
        Adwin original = new Adwin();
        for (int i = 0; i < 7_777; i++) {
            original.update(xs[i]);
        }
        byte[] snapshot = original.toBytes();
        Adwin restored = Adwin.fromBytes(snapshot);
        assertThat(restored.toBytes()).isEqualTo(snapshot);
        for (int i = 7_777; i < xs.length; i++) {
            assertThat(restored.update(xs[i])).as("at %d", i).isEqualTo(original.update(xs[i]));
        }
        assertThat(restored.toBytes()).isEqualTo(original.toBytes());
        assertThat(restored.detections()).isEqualTo(original.detections()).isPositive();
    }

    @Test
    void stateSizeGrowsWithTheLogarithmOfTheWindow() {
        Adwin adwin = new Adwin();
        for (int i = 0; i < 1_000_000; i++) {
            adwin.update(i % 2);
        }
        int width = adwin.width();
        assertThat(width).isEqualTo(1_000_000);
        int rowBound =
                (int) Math.floor(Math.log(width / (double) Adwin.MAX_BUCKETS + 1) / Math.log(2))
                        + 1;
        byte[] bytes = adwin.toBytes();
        assertThat(bytes.length)
                .isLessThanOrEqualTo(Adwin.HEADER_BYTES + rowBound * Adwin.ROW_BYTES);
        assertThat(bytes.length).isLessThan(1_400);
        assertThat(adwin.buckets()).isLessThanOrEqualTo(rowBound * Adwin.MAX_BUCKETS);
    }

    @Test
    void resetForgetsTheWindow() {
        Adwin adwin = new Adwin();
        for (double x : abruptShift()) {
            adwin.update(x);
        }
        adwin.reset();
        assertThat(adwin.count()).isZero();
        assertThat(adwin.width()).isZero();
        assertThat(adwin.toBytes()).isEqualTo(new Adwin().toBytes());
    }

    @Test
    void rejectsBadParametersAndObservations() {
        assertThatThrownBy(() -> new Adwin(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("delta");
        assertThatThrownBy(() -> new Adwin(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Adwin(0.002, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clock");
        assertThatThrownBy(() -> new Adwin().update(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("finite");
        byte[] wrongVersion = new Adwin().toBytes();
        wrongVersion[0] = 9;
        assertThatThrownBy(() -> Adwin.fromBytes(wrongVersion))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version 9");
    }
}
