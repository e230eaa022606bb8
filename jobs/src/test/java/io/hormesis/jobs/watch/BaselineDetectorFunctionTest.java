package io.hormesis.jobs.watch;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import io.hormesis.schema.Signal;
import io.hormesis.schema.SignalKind;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class BaselineDetectorFunctionTest {
    private static final BaselineDetectorFunction.Settings SETTINGS =
            new BaselineDetectorFunction.Settings(0.05, 4.0, 3, 30, 0.05, Duration.ofDays(1));

    private static KeyedOneInputStreamOperatorTestHarness<String, Observation, Signal> harness()
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new BaselineDetectorFunction(SETTINGS)),
                Observation::key,
                Types.STRING);
    }

    private static Observation latency(String deployment, long t, double value) {
        return new Observation(deployment, "llama-chat", "v7", "latency_ms", t, value, "req-" + t);
    }

    private static void feed(
            KeyedOneInputStreamOperatorTestHarness<String, Observation, Signal> h,
            String deployment,
            int from,
            int to,
            double level,
            Random random)
            throws Exception {
        for (int i = from; i < to; i++) {
            h.processElement(
                    new StreamRecord<>(
                            latency(deployment, 1000L * i, level + 20 * random.nextGaussian())));
        }
    }

    @Test
    void emitsOneSignalWithEvidenceForARegressionAndNoneForAStableKey() throws Exception {
        try (var h = harness()) {
            h.open();
            Random random = new Random(3);
            feed(h, "chat-llm", 0, 200, 600, random);
            feed(h, "code-llm", 0, 300, 250, random);
            feed(h, "chat-llm", 200, 260, 2100, random);

            List<Signal> signals = h.extractOutputValues();
            assertThat(signals).hasSize(1);
            Signal s = signals.get(0);
            assertThat(s.getKind()).isEqualTo(SignalKind.ANOMALY);
            assertThat(s.getDeployment()).isEqualTo("chat-llm");
            assertThat(s.getSignalName()).isEqualTo("latency_ms");
            assertThat(s.getEventTime().toEpochMilli()).isEqualTo(202_000L);
            assertThat(s.getEvidence().getWindowStart().toEpochMilli()).isEqualTo(200_000L);
            assertThat(s.getEvidence().getWindowCount()).isEqualTo(3);
            assertThat(s.getEvidence().getSourceIds())
                    .containsExactly("req-200000", "req-201000", "req-202000");
            assertThat(s.getEvidence().getBaseline().get("mean")).isBetween(560.0, 640.0);
            assertThat(s.getEvidence().getStatisticValue()).isGreaterThan(4.0);
            assertThat(s.getScore()).isBetween(0.999, 1.0);
            assertThat(s.getReason()).contains("latency_ms", "chat-llm", "3 observations");
            assertThat(h.numKeyedStateEntries()).isEqualTo(2);
        }
    }

    @Test
    void signalIdsAreDeterministic() throws Exception {
        String first;
        try (var h = harness()) {
            h.open();
            feed(h, "chat-llm", 0, 100, 600, new Random(9));
            feed(h, "chat-llm", 100, 110, 3000, new Random(9));
            first = h.extractOutputValues().get(0).getSignalId();
        }
        try (var h = harness()) {
            h.open();
            feed(h, "chat-llm", 0, 100, 600, new Random(9));
            feed(h, "chat-llm", 100, 110, 3000, new Random(9));
            assertThat(h.extractOutputValues().get(0).getSignalId()).isEqualTo(first);
        }
    }

    @Test
    void aRestoredOperatorContinuesTheSameBaseline() throws Exception {
        OperatorSubtaskState snapshot;
        Random random = new Random(4);
        try (var h = harness()) {
            h.open();
            feed(h, "chat-llm", 0, 100, 600, random);
            feed(h, "chat-llm", 100, 102, 2500, random);
            assertThat(h.extractOutputValues()).isEmpty();
            snapshot = h.snapshot(1L, 1L);
        }
        try (var h = harness()) {
            h.initializeState(snapshot);
            h.open();
            // The third exceedance in a row only alarms if the first two survived the restore.
            h.processElement(new StreamRecord<>(latency("chat-llm", 102_000L, 2500)));
            assertThat(h.extractOutputValues()).hasSize(1);
            assertThat(h.extractOutputValues().get(0).getEvidence().getWindowCount()).isEqualTo(3);
        }
    }

    @Test
    void stateExpiresAfterItsTtl() throws Exception {
        try (var h = harness()) {
            h.open();
            h.setStateTtlProcessingTime(0);
            feed(h, "chat-llm", 0, 10, 600, new Random(1));
            assertThat(h.numKeyedStateEntries()).isEqualTo(1);
            h.setStateTtlProcessingTime(Duration.ofDays(2).toMillis());
            // Expired state reads as absent: the detector starts over (warm-up again), so a
            // spike right after expiry raises nothing.
            for (int i = 0; i < 5; i++) {
                h.processElement(new StreamRecord<>(latency("chat-llm", 100_000L + i, 5000)));
            }
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }
}
