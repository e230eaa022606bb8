package io.hormesis.jobs.watch;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import io.hormesis.schema.BaselineSnapshot;
import io.hormesis.schema.Signal;
import io.hormesis.schema.SignalKind;
import io.hormesis.stats.watch.IntervalStats;
import io.hormesis.stats.watch.KeyWatch;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WatchFunctionTest {
    private static final long START = Instant.parse("2026-03-01T00:00:00Z").toEpochMilli();
    private static final Duration TTL = Duration.ofHours(1);

    private static KeyedOneInputStreamOperatorTestHarness<String, KeyedInterval, Signal> harness()
            throws Exception {
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new WatchFunction(1e-6, TTL)),
                        KeyedInterval::key,
                        Types.STRING);
        h.setProcessingTime(0);
        return h;
    }

    /**
     * Two model versions, 10 requests/s each, as the pre-aggregation emits them (one partial per
     * key and 10-second interval, in order); "slow" decodes 3x slower from request 2,000 (200 s).
     */
    private static List<KeyedInterval> traffic(int n) {
        Random random = new Random(31);
        Map<String, IntervalStats> open = new LinkedHashMap<>();
        List<KeyedInterval> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t = START + 100L * i;
            long interval = KeyWatch.intervalOf(t, 10_000);
            for (String version : List.of("fast", "slow")) {
                double ttft = 70 * Math.exp(0.1 * random.nextGaussian());
                double perToken = version.equals("slow") && i >= 2_000 ? 15 : 5;
                double latency = ttft + perToken * (50 + random.nextInt(101));
                IntervalStats s = open.get(version);
                if (s != null && s.intervalStart() != interval) {
                    out.add(new KeyedInterval("gpu-a", "llm", version, s));
                    s = null;
                }
                if (s == null) {
                    s = new IntervalStats(interval, 32);
                    open.put(version, s);
                }
                s.record(t, true, latency, ttft, version + "-" + i);
            }
        }
        open.forEach((v, s) -> out.add(new KeyedInterval("gpu-a", "llm", v, s)));
        return out;
    }

    private static void feed(
            KeyedOneInputStreamOperatorTestHarness<String, KeyedInterval, Signal> h,
            List<KeyedInterval> partials)
            throws Exception {
        for (KeyedInterval p : partials) {
            h.processElement(new StreamRecord<>(p));
        }
    }

    private static List<BaselineSnapshot> baselines(
            KeyedOneInputStreamOperatorTestHarness<String, KeyedInterval, Signal> h) {
        List<BaselineSnapshot> out = new ArrayList<>();
        var side = h.getSideOutput(WatchFunction.BASELINES);
        if (side != null) {
            side.forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    @Test
    void signalsTheRegressionOnceWithItsEvidence() throws Exception {
        List<Signal> signals;
        List<BaselineSnapshot> baselines;
        try (var h = harness()) {
            h.open();
            feed(h, traffic(3_000));
            signals = h.extractOutputValues();
            baselines = baselines(h);
        }
        assertThat(signals).hasSize(1);
        Signal s = signals.get(0);
        assertThat(s.getKind()).isEqualTo(SignalKind.ANOMALY);
        assertThat(s.getModelVersion()).isEqualTo("slow");
        assertThat(s.getSignalName()).isEqualTo("latency_ms");
        // At the end of the first slow interval [200 s, 210 s): its last request.
        assertThat(s.getEventTime().toEpochMilli()).isEqualTo(START + 209_900);
        assertThat(s.getEvidence().getWindowStart().toEpochMilli()).isEqualTo(START + 200_000);
        assertThat(s.getEvidence().getWindowEnd()).isEqualTo(s.getEventTime());
        assertThat(s.getEvidence().getWindowCount()).isEqualTo(100);
        assertThat(s.getScore()).isGreaterThanOrEqualTo(1 - 1e-6);
        assertThat(s.getEvidence().getDetector()).isEqualTo(KeyWatch.EXCEEDANCE_DETECTOR);
        assertThat(s.getEvidence().getStatistic()).isEqualTo(KeyWatch.STATISTIC);
        assertThat(s.getEvidence().getStatisticValue()).isLessThanOrEqualTo(1e-6);
        assertThat(s.getEvidence().getThreshold()).isEqualTo(1e-6);
        assertThat(s.getEvidence().getBaseline())
                .containsKeys("level", "q05", "q95", "threshold_value", "count");
        assertThat(s.getValue()).isGreaterThan(s.getEvidence().getBaseline().get("q95"));
        assertThat(s.getEvidence().getSourceIds())
                .hasSize(32)
                .allMatch(id -> id.startsWith("slow-"))
                .first()
                .isEqualTo("slow-2000");
        assertThat(s.getReason())
                .contains("latency_ms of llm slow on gpu-a", "over 100 requests", "binomial");
        // 300 s of traffic: a snapshot per key and signal in each of the 5 minutes.
        assertThat(baselines).hasSize(2 * 3 * 5);
        assertThat(baselines)
                .extracting(BaselineSnapshot::getSignalName)
                .containsOnly("latency_ms", "ttft_ms", "error_rate");
        BaselineSnapshot first = baselines.get(0);
        assertThat(first.getDeployment()).isEqualTo("gpu-a");
        assertThat(first.getModelName()).isEqualTo("llm");
        assertThat(first.getSnapshotId()).startsWith("base-");
        assertThat(baselines).extracting(BaselineSnapshot::getSnapshotId).doesNotHaveDuplicates();
    }

    @Test
    void aWatermarkClosesTheLastWindowThroughItsTimer() throws Exception {
        // Up to and including the first slow interval, with nothing after it to close it.
        List<KeyedInterval> partials =
                traffic(2_100).stream()
                        .filter(p -> p.stats().intervalStart() < START + 210_000)
                        .toList();
        try (var h = harness()) {
            h.open();
            feed(h, partials);
            assertThat(h.extractOutputValues()).isEmpty();
            // One close timer per key, at the end of its open interval.
            assertThat(h.numEventTimeTimers()).isEqualTo(2);
            h.processWatermark(START + 209_999);
            assertThat(h.extractOutputValues()).isEmpty();
            h.processWatermark(START + 210_000);
            assertThat(h.extractOutputValues())
                    .singleElement()
                    .satisfies(s -> assertThat(s.getModelVersion()).isEqualTo("slow"));
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void aKeyWithoutDataIsCleanedUpAfterTheTtl() throws Exception {
        try (var h = harness()) {
            h.open();
            feed(h, traffic(500));
            assertThat(h.numKeyedStateEntries()).isGreaterThanOrEqualTo(2 * 3);
            assertThat(h.numProcessingTimeTimers()).isEqualTo(2);
            h.setProcessingTime(TTL.toMillis() - 1);
            assertThat(h.numKeyedStateEntries()).isGreaterThanOrEqualTo(2 * 3);
            h.setProcessingTime(TTL.toMillis());
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void aRestoredOperatorRaisesExactlyTheSignalsAndBaselinesOfAnUninterruptedOne()
            throws Exception {
        List<KeyedInterval> traffic = traffic(3_000);
        List<Signal> uninterrupted;
        List<BaselineSnapshot> uninterruptedBaselines;
        try (var h = harness()) {
            h.open();
            feed(h, traffic);
            uninterrupted = h.extractOutputValues();
            uninterruptedBaselines = baselines(h);
        }
        // Mid-stream, just before the slow version's first slow interval closes.
        int cut = 41;
        List<Signal> resumed = new ArrayList<>();
        List<BaselineSnapshot> resumedBaselines = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            feed(h, traffic.subList(0, cut));
            resumed.addAll(h.extractOutputValues());
            resumedBaselines.addAll(baselines(h));
            snapshot = h.snapshot(1L, 1L);
        }
        try (var h = harness()) {
            h.initializeState(snapshot);
            h.open();
            feed(h, traffic.subList(cut, traffic.size()));
            resumed.addAll(h.extractOutputValues());
            resumedBaselines.addAll(baselines(h));
        }
        assertThat(resumed).isEqualTo(uninterrupted).hasSize(1);
        assertThat(resumedBaselines).isEqualTo(uninterruptedBaselines);
    }

    @Test
    void badSettingsFailOnTheClient() {
        assertThatThrownBy(() -> new WatchFunction(1.5, Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WatchFunction(1e-6, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stateTtl");
    }

    @Test
    void theFunctionCanBeShippedToTasks() throws Exception {
        WatchFunction f = new WatchFunction(1e-6, Duration.ofHours(1));
        assertThat(org.apache.flink.util.InstantiationUtil.clone(f)).isNotNull();
    }

    @Test
    void stateAndExchangeSerializersRoundTripWithoutKryo() throws Exception {
        KeyWatch watch = new KeyWatch(KeyWatch.Settings.withFireP(1e-6));
        KeyWatch.Listener ignore =
                new KeyWatch.Listener() {
                    @Override
                    public void alarm(KeyWatch.Alarm alarm) {}

                    @Override
                    public void baseline(KeyWatch.Baseline baseline) {}
                };
        List<KeyedInterval> traffic = traffic(500);
        for (KeyedInterval p : traffic) {
            watch.add(p.stats(), ignore);
        }
        KeyWatch copy = KeyWatchSerializer.INSTANCE.copy(watch);
        assertThat(copy.toBytes()).isEqualTo(watch.toBytes());
        KeyedInterval partial = traffic.get(3);
        KeyedInterval sent = KeyedInterval.Serializer.INSTANCE.copy(partial);
        assertThat(sent.key()).isEqualTo(partial.key());
        assertThat(sent.stats().requests()).isEqualTo(partial.stats().requests());
        assertThat(sent.stats().ids()).isEqualTo(partial.stats().ids());
        assertThat(sent.stats().histogram(0).quantile(0.5))
                .isEqualTo(partial.stats().histogram(0).quantile(0.5));
    }
}
