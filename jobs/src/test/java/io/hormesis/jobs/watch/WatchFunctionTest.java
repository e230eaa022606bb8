package io.hormesis.jobs.watch;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import io.hormesis.schema.Signal;
import io.hormesis.schema.SignalKind;
import io.hormesis.stats.watch.KeyWatch;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WatchFunctionTest {
    private static final long START = Instant.parse("2026-03-01T00:00:00Z").toEpochMilli();

    private static KeyedOneInputStreamOperatorTestHarness<String, Observation, Signal> harness()
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new WatchFunction(1e-6, Duration.ofHours(1))),
                Observation::key,
                Types.STRING);
    }

    /** Two model versions, 10 requests/s each; "slow" decodes 3x slower from request 2,000. */
    private static List<Observation> traffic(int n) {
        Random random = new Random(31);
        List<Observation> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (String version : List.of("fast", "slow")) {
                double ttft = 70 * Math.exp(0.1 * random.nextGaussian());
                double perToken = version.equals("slow") && i >= 2_000 ? 15 : 5;
                double latency = ttft + perToken * (50 + random.nextInt(101));
                out.add(
                        new Observation(
                                "gpu-a",
                                "llm",
                                version,
                                START + 100L * i,
                                true,
                                latency,
                                ttft,
                                version + "-" + i));
            }
        }
        return out;
    }

    @Test
    void signalsTheRegressionOnceWithItsEvidence() throws Exception {
        List<Observation> traffic = traffic(3_000);
        List<Signal> signals;
        try (var h = harness()) {
            h.open();
            for (Observation o : traffic) {
                h.processElement(new StreamRecord<>(o));
            }
            signals = h.extractOutputValues();
            assertThat(h.numKeyedStateEntries()).isEqualTo(2);
        }
        assertThat(signals).hasSize(1);
        Signal s = signals.get(0);
        assertThat(s.getKind()).isEqualTo(SignalKind.ANOMALY);
        assertThat(s.getModelVersion()).isEqualTo("slow");
        assertThat(s.getSignalName()).isEqualTo("latency_ms");
        assertThat(s.getEventTime().toEpochMilli()).isBetween(START + 200_000, START + 201_000);
        assertThat(s.getScore()).isGreaterThanOrEqualTo(1 - 1e-6);
        assertThat(s.getEvidence().getDetector()).isEqualTo(KeyWatch.TAIL_DETECTOR);
        assertThat(s.getEvidence().getStatisticValue()).isLessThanOrEqualTo(1e-6);
        assertThat(s.getEvidence().getThreshold()).isEqualTo(1e-6);
        assertThat(s.getEvidence().getBaseline())
                .containsKeys("level", "q05", "q95", "expected", "count");
        assertThat(s.getValue()).isGreaterThan(s.getEvidence().getBaseline().get("q95"));
        assertThat(s.getEvidence().getSourceIds())
                .hasSize(9)
                .allMatch(id -> id.startsWith("slow-"));
        assertThat(s.getEvidence().getWindowEnd()).isEqualTo(s.getEventTime());
        assertThat(s.getReason()).contains("latency_ms of llm slow on gpu-a", "tail-probability");
    }

    @Test
    void aRestoredOperatorRaisesExactlyTheSignalsOfAnUninterruptedOne() throws Exception {
        List<Observation> traffic = traffic(3_000);
        List<Signal> uninterrupted;
        try (var h = harness()) {
            h.open();
            for (Observation o : traffic) {
                h.processElement(new StreamRecord<>(o));
            }
            uninterrupted = h.extractOutputValues();
        }
        List<Signal> resumed = new ArrayList<>();
        OperatorSubtaskState snapshot;
        int cut = 3_999; // mid-stream, just before the regression reaches the slow version
        try (var h = harness()) {
            h.open();
            for (Observation o : traffic.subList(0, cut)) {
                h.processElement(new StreamRecord<>(o));
            }
            resumed.addAll(h.extractOutputValues());
            snapshot = h.snapshot(1L, 1L);
        }
        try (var h = harness()) {
            h.initializeState(snapshot);
            h.open();
            for (Observation o : traffic.subList(cut, traffic.size())) {
                h.processElement(new StreamRecord<>(o));
            }
            resumed.addAll(h.extractOutputValues());
        }
        assertThat(resumed).isEqualTo(uninterrupted).hasSize(1);
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
    void stateSerializerRoundTripsWithoutKryo() throws Exception {
        KeyWatch watch = new KeyWatch(KeyWatch.Settings.withFireP(1e-6));
        for (Observation o : traffic(500)) {
            watch.observe(
                    o.getEventTimeMillis(), true, o.getLatencyMs(), o.getTtftMs(), o.getSourceId());
        }
        KeyWatch copy = KeyWatchSerializer.INSTANCE.copy(watch);
        assertThat(copy.toBytes()).isEqualTo(watch.toBytes());
    }
}
