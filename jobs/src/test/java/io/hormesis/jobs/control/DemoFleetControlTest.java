package io.hormesis.jobs.control;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.demo.LocalStack;
import io.hormesis.jobs.sim.FleetSimulator;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.Command;
import io.hormesis.schema.CommandKind;
import io.hormesis.schema.DecodeException;
import io.hormesis.schema.InferenceEvent;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo's contract at the operator: with the demo's settings, the demo fleet's latency
 * regression on chat-llm (3.5x slower decode from minute 2.5) becomes one SCALE of chat-llm and
 * nothing for code-llm, from CONTROL's own telemetry alone.
 */
class DemoFleetControlTest {

    @Test
    void theDemoRegressionScalesChatLlmOut() throws Exception {
        Map<String, String> settings = new HashMap<>(LocalStack.DEMO_SETTINGS);
        settings.put(HormesisOptions.CONTROL_SIGNING_KEY.key(), "k".repeat(32));
        Configuration config = HormesisOptions.fromSettings(settings);
        ControlFunction fn =
                new ControlFunction(
                        ControlSettings.from(config), new CommandSigner("k1", "k".repeat(32)));
        Instant start = Instant.parse("2026-01-15T14:00:00Z");
        FleetSimulator.Scenario scenario = FleetSimulator.Scenario.demo(start);
        AvroCodec<InferenceEvent> codec = AvroCodec.of(InferenceEvent.class);
        try (var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(fn), ControlRecord::deployment, Types.STRING)) {
            h.open();
            long watermark = Long.MIN_VALUE;
            for (FleetSimulator.SimRecord r : new FleetSimulator(scenario).records()) {
                InferenceEvent e;
                try {
                    e = codec.decode(r.value());
                } catch (DecodeException bad) {
                    continue;
                }
                if (!(e.getLatencyMs() >= 0)) {
                    continue;
                }
                h.processElement(ControlRecord.of(e), e.getEventTime().toEpochMilli());
                long wm = e.getEventTime().toEpochMilli() - 5_000;
                if (wm > watermark + 1_000) {
                    watermark = wm;
                    h.processWatermark(watermark);
                }
            }
            List<Command> commands = h.extractOutputValues();
            Instant regression = start.plus(scenario.regressionAt());
            assertThat(commands).hasSize(1);
            Command c = commands.get(0);
            assertThat(c.getKind()).isEqualTo(CommandKind.SCALE);
            assertThat(c.getDeployment()).isEqualTo("chat-llm");
            assertThat(c.getScale().getFromReplicas()).isEqualTo(2);
            assertThat(c.getIssuedAt()).isAfter(regression);
        }
    }
}
