package io.hormesis.jobs.control;

import io.hormesis.jobs.control.TelemetryAggregator.Interval;
import io.hormesis.jobs.control.TelemetryAggregator.Refusal;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TelemetryAggregatorTest {

    @Test
    void aggregatesPerIntervalAndVersionAndRefusesLateEvents() {
        TelemetryAggregator agg = new TelemetryAggregator(10_000, 100, 4);
        for (int i = 1; i <= 20; i++) {
            // 20 requests of v7 in [0, 10 s), latencies 10..200; every 5th one failed.
            assertThat(agg.add(i * 400L, "m", "v7", 10.0 * i, i % 5 == 0, Double.NaN))
                    .isEqualTo(Refusal.NONE);
        }
        agg.add(3_000, "m", "v8", 500, false, 0.7);
        agg.add(12_000, "m", "v7", 42, false, Double.NaN);

        List<Interval> closed = agg.closeUpTo(10_000);
        assertThat(closed).extracting(Interval::modelVersion).containsExactly("v7", "v8");
        Interval v7 = closed.get(0);
        assertThat(v7.start()).isZero();
        assertThat(v7.end()).isEqualTo(10_000);
        assertThat(v7.requests()).isEqualTo(20);
        assertThat(v7.errors()).isEqualTo(4);
        // 16 successful latencies: 10..190 without the multiples of 50; nearest-rank p95 is the
        // 16th (ceil(0.95 * 16) = 16) of them, the largest, 190.
        assertThat(v7.latencySamples()).hasSize(16).doesNotContain(50.0, 100.0, 150.0, 200.0);
        assertThat(v7.p95LatencyMillis()).isEqualTo(190.0);
        assertThat(closed.get(1).scoreSamples()).containsExactly(0.7);

        assertThat(agg.add(9_999, "m", "v7", 1, false, Double.NaN)).isEqualTo(Refusal.LATE);
        assertThat(agg.openIntervals()).isEqualTo(1);
        assertThat(agg.closeUpTo(25_000)).extracting(Interval::requests).containsExactly(1L);
        assertThat(agg.isEmpty()).isTrue();
    }

    @Test
    void samplesAreBoundedDeterministicAndSurviveARoundTrip() {
        TelemetryAggregator a = new TelemetryAggregator(60_000, 50, 2);
        TelemetryAggregator b = new TelemetryAggregator(60_000, 50, 2);
        for (int i = 0; i < 5_000; i++) {
            a.add(i * 10L, "m", "v1", i, false, i / 5_000.0);
            b.add(i * 10L, "m", "v1", i, false, i / 5_000.0);
            if (i == 2_500) {
                // A checkpoint in the middle: the restored copy continues exactly.
                b = TelemetryAggregator.fromBytes(b.toBytes());
            }
        }
        Interval x = a.closeUpTo(60_000).get(0);
        Interval y = b.closeUpTo(60_000).get(0);
        assertThat(x.latencySamples()).hasSize(50).containsExactly(y.latencySamples());
        assertThat(x.scoreSamples()).hasSize(50).containsExactly(y.scoreSamples());
        assertThat(x.requests()).isEqualTo(5_000);
        // A uniform sample of 0..4999: its median is near 2,500 (a sample of 50 has a standard
        // error of about 5000 / sqrt(12 * 50) = 204 for the mean).
        double mean = java.util.Arrays.stream(x.latencySamples()).average().orElseThrow();
        assertThat(mean).isBetween(2_500 - 3 * 204.0, 2_500 + 3 * 204.0);
    }

    @Test
    void capsTheVersionsOfAnInterval() {
        TelemetryAggregator agg = new TelemetryAggregator(10_000, 10, 2);
        assertThat(agg.add(1, "m", "a", 1, false, Double.NaN)).isEqualTo(Refusal.NONE);
        assertThat(agg.add(2, "m", "b", 1, false, Double.NaN)).isEqualTo(Refusal.NONE);
        assertThat(agg.add(3, "m", "c", 1, false, Double.NaN)).isEqualTo(Refusal.TOO_MANY_VERSIONS);
    }
}
