package io.hormesis.stats.forecast;

import org.apache.commons.statistics.distribution.PoissonDistribution;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateForecasterTest {

    private static HoltWinters model() {
        return new HoltWinters(0.1, 0.01, 0.1, 0.98, 3);
    }

    @Test
    void countsEventsPerBucketWithEmptyBucketsAsZeroAndDropsLateOnes() {
        // Buckets of 10 s starting at 1,000,000 ms; counts worked by hand:
        // [1,000,000, 1,010,000): 3 (one out of order), next bucket 0, next 2, next 1, then 0, 4.
        RateForecaster forecaster = new RateForecaster(10_000, model());
        assertThat(forecaster.onEvent(1_000_500)).isTrue();
        assertThat(forecaster.onEvent(1_009_999)).isTrue();
        assertThat(forecaster.onEvent(1_000_000)).isTrue(); // out of order, same bucket
        assertThat(forecaster.onEvents(1_020_000, 2)).isTrue(); // closes two buckets: 3 and 0
        assertThat(forecaster.closedBuckets()).isEqualTo(2);
        assertThat(forecaster.onEvent(1_005_000)).isFalse(); // late: its bucket is closed
        assertThat(forecaster.onEvent(1_030_001)).isTrue();
        forecaster.advanceTo(1_029_000); // behind "now": no effect
        forecaster.advanceTo(1_050_000); // closes 1 and 0
        assertThat(forecaster.onEvents(1_055_000, 4)).isTrue();
        forecaster.advanceTo(1_060_000);
        assertThat(forecaster.lateEvents()).isEqualTo(1);
        assertThat(forecaster.closedBuckets()).isEqualTo(6);
        assertThat(forecaster.openCount()).isZero();
        assertThat(forecaster.openBucketStart()).isEqualTo(1_060_000);

        HoltWinters expected = model();
        for (double count : new double[] {3, 0, 2, 1, 0, 4}) {
            expected.update(count);
        }
        assertThat(forecaster.model().toBytes()).isEqualTo(expected.toBytes());
    }

    @Test
    void upperRateIsTheLargestUpperBoundOverTheBucketsTheLeadReaches() {
        RateForecaster forecaster = new RateForecaster(10_000, model());
        Random random = new Random(11);
        long t = 0;
        for (int bucket = 0; bucket < 60; bucket++) {
            forecaster.onEvents(t + 1, 100 + 30 * (bucket % 3) + random.nextInt(10));
            t += 10_000;
        }
        forecaster.onEvent(t + 3_000); // open bucket [t, t + 10 s), now = t + 3 s
        assertThat(forecaster.model().isReady()).isTrue();
        // now + 25 s = t + 28 s lies in the third bucket from the open one: h = 1..3.
        assertThat(forecaster.horizonBuckets(25_000)).isEqualTo(3);
        assertThat(forecaster.horizonBuckets(0)).isEqualTo(1);
        double max = Double.NEGATIVE_INFINITY;
        for (int h = 1; h <= 3; h++) {
            max = Math.max(max, forecaster.model().interval(h, 0.9)[1]);
        }
        assertThat(forecaster.upperRate(25_000, 0.9)).isEqualTo(max);
        assertThat(forecaster.upperRatePerSecond(25_000, 0.9)).isEqualTo(max / 10.0);
        assertThat(forecaster.upperRate(25_000, 0.99)).isGreaterThan(max);
    }

    @Test
    void boundsCoverPoissonTrafficWithADailyShape() {
        // References: the one-sided coverage of the upper end of a central 95% interval is
        // 0.975 by construction; for the maximum over H buckets, the union bound says the
        // realised maximum exceeds the largest bound with probability at most H * 0.025.
        double[] measured = poissonCoverage(5);
        assertThat(measured[0]).as("one-bucket coverage").isBetween(0.96, 0.99);
        assertThat(measured[1]).as("lead exceedance").isLessThanOrEqualTo(6 * 0.025);
        assertThat(measured[2]).as("late events").isZero();
    }

    /**
     * Poisson counts per 10 s bucket, mean 400 + 150 sin(2 pi t / 36), i.e. a 6-minute "day" of m =
     * 36 buckets, 12,000 buckets, events arriving in shuffled batches inside each bucket. Returns
     * the share of buckets at or below their one-bucket 95% upper bound, the share of 6-bucket
     * windows whose largest count exceeds {@code upperRate} over that lead, and the number of late
     * events. Also run by {@link ForecastFiguresRun}.
     */
    static double[] poissonCoverage(long seed) {
        int m = 36;
        HoltWinters model = new HoltWinters(0.1, 0.005, 0.1, 0.98, m, 0.01);
        RateForecaster forecaster = new RateForecaster(10_000, model);
        Random random = new Random(seed);
        int buckets = 12_000;
        long[] counts = new long[buckets];
        for (int b = 0; b < buckets; b++) {
            double mean = 400 + 150 * Math.sin(2 * Math.PI * b / m);
            counts[b] =
                    PoissonDistribution.of(mean).inverseCumulativeProbability(random.nextDouble());
        }
        int leadBuckets = 6;
        double[] oneStep = new double[buckets];
        double[] overLead = new double[buckets];
        for (int b = 0; b < buckets; b++) {
            long start = b * 10_000L;
            List<long[]> arrivals = new ArrayList<>();
            long left = counts[b];
            while (left > 0) {
                long batch = Math.min(left, 1 + random.nextInt(40));
                arrivals.add(new long[] {start + random.nextInt(10_000), batch});
                left -= batch;
            }
            Collections.shuffle(arrivals, random);
            forecaster.advanceTo(start); // closes bucket b - 1; bucket b is open
            if (model.isReady()) {
                oneStep[b] = forecaster.upperRate(0, 0.95);
                // lead = 5 buckets past the open bucket's start: buckets b .. b + 5.
                overLead[b] = forecaster.upperRate((leadBuckets - 1) * 10_000L, 0.95);
            }
            for (long[] arrival : arrivals) {
                assertThat(forecaster.onEvents(arrival[0], arrival[1])).isTrue();
            }
        }
        int covered = 0;
        int total = 0;
        int exceeded = 0;
        int windows = 0;
        for (int b = 2_000; b < buckets - leadBuckets; b++) {
            total++;
            if (counts[b] <= oneStep[b]) {
                covered++;
            }
            long max = 0;
            for (int k = 0; k < leadBuckets; k++) {
                max = Math.max(max, counts[b + k]);
            }
            windows++;
            if (max > overLead[b]) {
                exceeded++;
            }
        }
        return new double[] {
            covered / (double) total, exceeded / (double) windows, forecaster.lateEvents()
        };
    }

    @Test
    void restoredForecasterContinuesBitForBit() {
        Random random = new Random(3);
        RateForecaster original =
                new RateForecaster(1_000, new HoltWinters(0.2, 0.02, 0.1, 0.95, 10));
        long t = 50_000;
        for (int i = 0; i < 500; i++) {
            t += random.nextInt(300);
            original.onEvent(t);
        }
        RateForecaster restored = RateForecaster.fromBytes(original.toBytes());
        for (int i = 0; i < 2_000; i++) {
            t += random.nextInt(300);
            long ts = t - random.nextInt(1_500); // some out of order, some late
            assertThat(restored.onEvent(ts)).isEqualTo(original.onEvent(ts));
            assertThat(restored.toBytes()).isEqualTo(original.toBytes());
            assertThat(Double.doubleToRawLongBits(restored.upperRate(30_000, 0.95)))
                    .isEqualTo(Double.doubleToRawLongBits(original.upperRate(30_000, 0.95)));
        }
        assertThat(original.lateEvents()).isPositive();
        assertThat(original.toBytes().length)
                .isLessThanOrEqualTo(RateForecaster.maxSerializedBytes(10));
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new RateForecaster(0, model()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bucketMillis");
        assertThatThrownBy(() -> new RateForecaster(10, null))
                .isInstanceOf(IllegalArgumentException.class);
        RateForecaster forecaster = new RateForecaster(10, model());
        assertThatThrownBy(() -> forecaster.onEvents(5, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("count");
        assertThatThrownBy(() -> forecaster.upperRate(-1, 0.9))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("leadMillis");
        assertThatThrownBy(() -> forecaster.upperRate(10, 1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("level");
        assertThat(forecaster.upperRate(10, 0.9)).isNaN();
    }
}
