package io.hormesis.stats.watch;

import io.hormesis.stats.StateBytes;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class LogHistogramTest {
    @Test
    void bucketsAreMonotoneAndNarrow() {
        Random random = new Random(5);
        for (int i = 0; i < 100_000; i++) {
            double v = Math.exp(random.nextDouble() * 30 - 10);
            int b = LogHistogram.bucketOf(v);
            assertThat(LogHistogram.lowerEdge(b)).isLessThanOrEqualTo(v);
            assertThat(LogHistogram.upperEdge(b)).isGreaterThan(v);
            assertThat(LogHistogram.upperEdge(b) / LogHistogram.lowerEdge(b))
                    .isLessThanOrEqualTo(1 + 1 / 64.0);
            assertThat(LogHistogram.bucketOf(v * 1.02)).isGreaterThan(b);
        }
        assertThat(LogHistogram.bucketOf(0.0)).isZero();
        assertThat(LogHistogram.bucketOf(-3.0)).isZero();
        assertThat(LogHistogram.bucketOf(Double.NaN)).isZero();
    }

    @Test
    void countsEveryBucketExactlyInsideAndOutsideTheDenseWindow() {
        // The first value fixes a dense window of counters around its bucket; values far from it
        // (and 0, negatives, NaN) take the buffered path. Both must count exactly what a plain
        // map of bucket -> count counts, across folds forced by queries in between.
        Random random = new Random(11);
        java.util.TreeMap<Integer, Integer> expected = new java.util.TreeMap<>();
        LogHistogram h = new LogHistogram();
        for (int i = 0; i < 30_000; i++) {
            double v =
                    switch (i % 7) {
                        case 0 -> Math.exp(random.nextDouble() * 40 - 15);
                        case 1 -> i % 2 == 0 ? 0.0 : -1.0;
                        default -> 300 * Math.exp(0.5 * random.nextGaussian());
                    };
            h.record(v);
            expected.merge(LogHistogram.bucketOf(v), 1, Integer::sum);
            if (i % 4_999 == 0) {
                assertThat(h.total()).isEqualTo(i + 1);
            }
        }
        assertThat(h.buckets()).isEqualTo(expected.size());
        assertThat(h.total()).isEqualTo(30_000);
        long above = 30_000;
        for (var e : expected.entrySet()) {
            above -= e.getValue();
            assertThat(h.weightAbove(e.getKey())).as("above %d", e.getKey()).isEqualTo(above);
        }
    }

    @Test
    void quantilesAreWithinABucketOfTheExactOnes() {
        Random random = new Random(9);
        double[] values = new double[20_001];
        LogHistogram h = new LogHistogram();
        for (int i = 0; i < values.length; i++) {
            values[i] = 500 * Math.exp(0.4 * random.nextGaussian());
            h.record(values[i]);
        }
        Arrays.sort(values);
        assertThat(h.total()).isEqualTo(values.length);
        for (double q : new double[] {0.05, 0.25, 0.5, 0.95, 0.99}) {
            double exact = values[(int) Math.ceil(q * values.length) - 1];
            assertThat(h.quantile(q) / exact).isBetween(1 - 1 / 64.0, 1 + 1 / 64.0);
        }
        int b = h.quantileBucket(0.95);
        double above = Arrays.stream(values).filter(v -> LogHistogram.bucketOf(v) > b).count();
        assertThat(h.weightAbove(b)).isEqualTo(above);
    }

    @Test
    void mergingIsExactAndIndependentOfGrouping() {
        Random random = new Random(3);
        LogHistogram whole = new LogHistogram();
        LogHistogram a = new LogHistogram();
        LogHistogram b = new LogHistogram();
        for (int i = 0; i < 5_000; i++) {
            double v = 100 + 50 * random.nextGaussian();
            whole.record(v);
            (i % 3 == 0 ? a : b).record(v);
        }
        LogHistogram ab = new LogHistogram();
        ab.add(b, 1.0);
        ab.add(a, 1.0);
        assertThat(bytes(ab)).isEqualTo(bytes(whole));
    }

    @Test
    void decayScalesAndDropsTinyBuckets() {
        LogHistogram h = new LogHistogram();
        h.record(10);
        h.record(10);
        h.record(1000);
        h.decay(0.5, 0.6);
        assertThat(h.total()).isEqualTo(1.0);
        assertThat(h.buckets()).isEqualTo(1);
        assertThat(h.quantile(0.5)).isBetween(9.9, 10.1);
    }

    @Test
    void roundTripsThroughItsBinaryForm() {
        LogHistogram h = new LogHistogram();
        for (int i = 1; i < 1_000; i++) {
            h.record(i * 0.37);
        }
        byte[] bytes = bytes(h);
        LogHistogram copy = StateBytes.read(bytes, LogHistogram::readFrom);
        assertThat(bytes(copy)).isEqualTo(bytes);
        assertThat(bytes.length).isEqualTo(h.stateBytes());
        assertThat(copy.quantile(0.5)).isEqualTo(h.quantile(0.5));
    }

    private static byte[] bytes(LogHistogram h) {
        return StateBytes.write(h::writeTo, 1024);
    }
}
