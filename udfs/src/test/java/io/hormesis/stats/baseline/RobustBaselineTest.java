package io.hormesis.stats.baseline;

import org.apache.datasketches.kll.KllSketch;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class RobustBaselineTest {

    /** Heavy-tailed latencies: lognormal body with 3% outliers ten times larger. */
    private static double latency(Random random) {
        double body = 20 * Math.exp(0.5 * random.nextGaussian());
        return random.nextDouble() < 0.03 ? 10 * body : body;
    }

    @Test
    void medianAndMadAreWithinTheKllRankErrorOfTheExactValues() {
        RobustBaseline baseline = new RobustBaseline(100, 4096);
        Random random = new Random(17);
        int n = 10_000;
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) {
            double x = latency(random);
            xs[i] = (float) x;
            baseline.update(x);
        }
        // Windows rotate at 4096 and 8192 observations, so the answers cover xs[4096..10000).
        assertThat(baseline.windowCount()).isEqualTo(n - 4096);
        float[] recent = Arrays.copyOfRange(xs, 4096, n);
        // Rank error bound: DataSketches KllSketch.getNormalizedRankError(k, false), 99% conf.
        double eps = KllSketch.getNormalizedRankError(100, false);
        assertThat(baseline.rankError()).isEqualTo(eps);

        double median = baseline.level();
        assertThat(fractionBelow(recent, median, false)).isLessThanOrEqualTo(0.5 + eps);
        assertThat(fractionBelow(recent, median, true)).isGreaterThanOrEqualTo(0.5 - eps);

        // MAD: the exact share of recent values within the sketch's median +- MAD is 1/2, up to
        // the error of two rank evaluations.
        double mad = baseline.spread() / RobustBaseline.MAD_SCALE;
        double within =
                fractionBelow(recent, median + mad, true)
                        - fractionBelow(recent, median - mad, false);
        double strictlyWithin =
                fractionBelow(recent, median + mad, false)
                        - fractionBelow(recent, median - mad, true);
        assertThat(within).isGreaterThanOrEqualTo(0.5 - 2 * eps);
        assertThat(strictlyWithin).isLessThanOrEqualTo(0.5 + 2 * eps);

        // And the values themselves, against the exact median and MAD of the same observations.
        double exactMedian = exactMedian(recent);
        float[] deviations = new float[recent.length];
        for (int i = 0; i < recent.length; i++) {
            deviations[i] = (float) Math.abs(recent[i] - exactMedian);
        }
        assertThat(median).isCloseTo(exactMedian, within(0.05 * exactMedian));
        assertThat(mad).isCloseTo(exactMedian(deviations), within(0.1 * exactMedian(deviations)));
    }

    private static double fractionBelow(float[] xs, double bound, boolean inclusive) {
        int count = 0;
        for (float x : xs) {
            if (x < bound || (inclusive && x == bound)) {
                count++;
            }
        }
        return count / (double) xs.length;
    }

    private static double exactMedian(float[] xs) {
        float[] sorted = xs.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + (double) sorted[n / 2]) / 2;
    }

    @Test
    void gaussianSpreadEstimatesTheStandardDeviation() {
        // 1.4826 = 1 / Phi^-1(0.75) (scipy 1.17.1: 1 / scipy.stats.norm.ppf(0.75) = 1.482602),
        // so the scaled MAD of N(5, 2^2) data estimates 2.
        RobustBaseline baseline = new RobustBaseline(100, 50_000);
        Random random = new Random(23);
        for (int i = 0; i < 40_000; i++) {
            baseline.update(5 + 2 * random.nextGaussian());
        }
        assertThat(baseline.level()).isCloseTo(5.0, within(0.1));
        assertThat(baseline.spread()).isCloseTo(2.0, within(0.1));
        assertThat(baseline.robustZ(9.0)).isCloseTo(2.0, within(0.15));
    }

    @Test
    void followsALevelShiftWithinOneWindowAndIgnoresShortBursts() {
        // By the rotation rule, new values hold the majority of the union after at most
        // window + 1 of them, whatever the phase of the shift; we allow 10% more for the sketch.
        // A burst shorter than 0.4 window never holds the majority.
        int window = 1_000;
        for (int phase : new int[] {0, 250, 500, 700, 999}) {
            RobustBaseline baseline = new RobustBaseline(100, window);
            Random random = new Random(phase);
            for (int i = 0; i < 3 * window + phase; i++) {
                baseline.update(random.nextGaussian());
            }
            for (int j = 1; j <= 2 * window; j++) {
                baseline.update(10 + random.nextGaussian());
                if (j == 4 * window / 10) {
                    assertThat(baseline.level()).as("phase %d after %d", phase, j).isLessThan(1.0);
                }
                if (j == 11 * window / 10) {
                    assertThat(baseline.level())
                            .as("phase %d after %d", phase, j)
                            .isCloseTo(10.0, within(1.0));
                }
            }
            // After two windows only new values remain: spread back to 1.
            assertThat(baseline.level()).isCloseTo(10.0, within(0.2));
            assertThat(baseline.spread()).isCloseTo(1.0, within(0.2));
        }
    }

    @Test
    void mergedBaselinesAnswerForTheCombinedStream() {
        RobustBaseline left = new RobustBaseline(100, 100_000);
        RobustBaseline right = new RobustBaseline(100, 100_000);
        Random random = new Random(29);
        List<Float> all = new ArrayList<>();
        for (int i = 0; i < 30_000; i++) {
            double x = latency(random) + (i % 2 == 0 ? 0 : 15);
            all.add((float) x);
            (i % 2 == 0 ? left : right).update(x);
        }
        left.merge(right);
        assertThat(left.count()).isEqualTo(30_000);
        float[] xs = new float[all.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = all.get(i);
        }
        double eps = left.rankError();
        double median = left.level();
        assertThat(fractionBelow(xs, median, false)).isLessThanOrEqualTo(0.5 + eps);
        assertThat(fractionBelow(xs, median, true)).isGreaterThanOrEqualTo(0.5 - eps);
    }

    /** Pins DataSketches' JVM-wide KLL coin flips, which are not part of any sketch's state. */
    private static void seedKllCoins(long seed) throws ReflectiveOperationException {
        Field field = KllSketch.class.getDeclaredField("random");
        field.setAccessible(true);
        ((Random) field.get(null)).setSeed(seed);
    }

    @Test
    void restoredBaselineContinuesBitForBit() throws ReflectiveOperationException {
        Random random = new Random(31);
        RobustBaseline original = new RobustBaseline(100, 3_000);
        for (int i = 0; i < 7_500; i++) {
            original.update(latency(random));
        }
        byte[] snapshot = original.toBytes();
        double[] continuation = new double[10_000];
        for (int i = 0; i < continuation.length; i++) {
            continuation[i] = latency(random);
        }
        seedKllCoins(99);
        List<byte[]> states = new ArrayList<>();
        List<Long> answers = new ArrayList<>();
        for (double x : continuation) {
            original.update(x);
            states.add(original.toBytes());
            answers.add(Double.doubleToRawLongBits(original.level()));
            answers.add(Double.doubleToRawLongBits(original.spread()));
        }
        seedKllCoins(99);
        RobustBaseline restored = RobustBaseline.fromBytes(snapshot);
        for (int i = 0; i < continuation.length; i++) {
            restored.update(continuation[i]);
            assertThat(restored.toBytes()).as("state after %d", i).isEqualTo(states.get(i));
            assertThat(Double.doubleToRawLongBits(restored.level())).isEqualTo(answers.get(2 * i));
            assertThat(Double.doubleToRawLongBits(restored.spread()))
                    .isEqualTo(answers.get(2 * i + 1));
        }
    }

    @Test
    void stateStaysUnderFourKibibytesThroughAMillionUpdates() {
        RobustBaseline baseline = new RobustBaseline();
        Random random = new Random(37);
        int largest = 0;
        for (int i = 1; i <= 1_000_000; i++) {
            baseline.update(latency(random));
            if (i % 997 == 0) {
                largest = Math.max(largest, baseline.toBytes().length);
            }
        }
        largest = Math.max(largest, baseline.toBytes().length);
        assertThat(baseline.count()).isEqualTo(1_000_000);
        assertThat(largest).isLessThan(4096);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new RobustBaseline(4, 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k must be");
        assertThatThrownBy(() -> new RobustBaseline(100, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("window");
        RobustBaseline baseline = new RobustBaseline();
        assertThat(baseline.level()).isNaN();
        assertThatThrownBy(() -> baseline.update(Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> baseline.update(1e300))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("float");
        assertThatThrownBy(() -> baseline.merge(new RobustBaseline(100, 5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("same k and window");
    }
}
