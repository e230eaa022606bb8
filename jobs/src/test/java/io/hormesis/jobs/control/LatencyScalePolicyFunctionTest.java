package io.hormesis.jobs.control;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import io.hormesis.schema.Command;
import io.hormesis.schema.CommandKind;
import io.hormesis.schema.Evidence;
import io.hormesis.schema.Signal;
import io.hormesis.schema.SignalKind;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LatencyScalePolicyFunctionTest {
    static final String KEY = "a-test-signing-key-of-at-least-32-chars";
    static final Instant T0 = Instant.parse("2026-01-15T14:00:00Z");

    private static KeyedOneInputStreamOperatorTestHarness<String, Signal, Command> harness(
            int initial, int max) throws Exception {
        LatencyScalePolicyFunction.Settings settings =
                new LatencyScalePolicyFunction.Settings(
                        initial,
                        max,
                        Duration.ofMinutes(2),
                        Duration.ofMinutes(5),
                        Duration.ofDays(1));
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                new LatencyScalePolicyFunction(
                                        settings, new CommandSigner("k1", KEY))),
                        Signal::getDeployment,
                        Types.STRING);
        h.open();
        return h;
    }

    static Signal signal(String id, String name, Instant at, double value, double mean) {
        return Signal.newBuilder()
                .setSignalId(id)
                .setKind(SignalKind.ANOMALY)
                .setDeployment("chat-llm")
                .setModelName("llama-chat")
                .setModelVersion("v7")
                .setSignalName(name)
                .setEventTime(at)
                .setValue(value)
                .setScore(0.9999)
                .setReason("test")
                .setEvidence(
                        Evidence.newBuilder()
                                .setDetector("ewma-zscore")
                                .setStatistic("zscore")
                                .setStatisticValue(9)
                                .setThreshold(4)
                                .setBaseline(Map.of("level", mean))
                                .setWindowStart(at)
                                .setWindowEnd(at)
                                .setWindowCount(3)
                                .setSourceIds(List.of())
                                .build())
                .build();
    }

    @Test
    void scalesOutInProportionToTheLatencyRiseAndSignsTheCommand() throws Exception {
        try (var h = harness(2, 32)) {
            h.processElement(new StreamRecord<>(signal("sig-1", "latency_ms", T0, 2100, 600)));
            List<Command> commands = h.extractOutputValues();
            assertThat(commands).hasSize(1);
            Command c = commands.get(0);
            assertThat(c.getKind()).isEqualTo(CommandKind.SCALE);
            assertThat(c.getDeployment()).isEqualTo("chat-llm");
            // ceil(2 * 2100 / 600) = ceil(7.0) = 7
            assertThat(c.getScale().getFromReplicas()).isEqualTo(2);
            assertThat(c.getScale().getTargetReplicas()).isEqualTo(7);
            assertThat(c.getSignalIds()).containsExactly("sig-1");
            assertThat(c.getIssuedAt()).isEqualTo(T0);
            assertThat(c.getExpiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
            assertThat(c.getReason()).contains("3.5x", "2 -> 7");
            assertThat(new CommandSigner("k1", KEY).verify(c)).isTrue();
        }
    }

    @Test
    void holdsDuringTheCooldownAndActsAgainAfterIt() throws Exception {
        try (var h = harness(2, 32)) {
            h.processElement(new StreamRecord<>(signal("s1", "latency_ms", T0, 1200, 600)));
            h.processElement(
                    new StreamRecord<>(signal("s2", "latency_ms", T0.plusSeconds(60), 1200, 600)));
            h.processElement(
                    new StreamRecord<>(signal("s3", "latency_ms", T0.plusSeconds(121), 900, 600)));
            List<Command> commands = h.extractOutputValues();
            assertThat(commands)
                    .extracting(c -> c.getSignalIds().get(0))
                    .containsExactly("s1", "s3");
            // The second command starts from the first one's target: 2 -> 4, then 4 -> 6.
            assertThat(commands.get(1).getScale().getFromReplicas()).isEqualTo(4);
            assertThat(commands.get(1).getScale().getTargetReplicas()).isEqualTo(6);
        }
    }

    @Test
    void ignoresSignalsItDoesNotActOn() throws Exception {
        try (var h = harness(2, 32)) {
            h.processElement(new StreamRecord<>(signal("s1", "ttft_ms", T0, 900, 80)));
            Signal drift = signal("s2", "latency_ms", T0, 900, 600);
            drift.setKind(SignalKind.DRIFT);
            h.processElement(new StreamRecord<>(drift));
            h.processElement(new StreamRecord<>(signal("s3", "latency_ms", T0, 500, 600)));
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }

    @Test
    void neverExceedsTheMaximumAndStopsThere() throws Exception {
        try (var h = harness(2, 5)) {
            h.processElement(new StreamRecord<>(signal("s1", "latency_ms", T0, 6000, 600)));
            h.processElement(
                    new StreamRecord<>(signal("s2", "latency_ms", T0.plusSeconds(600), 6000, 600)));
            List<Command> commands = h.extractOutputValues();
            assertThat(commands).hasSize(1);
            assertThat(commands.get(0).getScale().getTargetReplicas()).isEqualTo(5);
        }
    }

    @Test
    void commandIdsAreDeterministic() throws Exception {
        String first;
        try (var h = harness(2, 32)) {
            h.processElement(new StreamRecord<>(signal("s1", "latency_ms", T0, 1500, 600)));
            first = h.extractOutputValues().get(0).getCommandId();
        }
        try (var h = harness(2, 32)) {
            h.processElement(new StreamRecord<>(signal("s1", "latency_ms", T0, 1500, 600)));
            assertThat(h.extractOutputValues().get(0).getCommandId()).isEqualTo(first);
        }
    }
}
