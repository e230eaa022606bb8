package io.hormesis.jobs.sim;

import io.hormesis.jobs.testutils.OfflineWatch;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.DecodeException;
import io.hormesis.schema.InferenceEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class FleetSimulatorTest {
    private static final Instant START = Instant.parse("2026-01-15T14:00:00Z");

    @Test
    void theSameSeedGivesTheSameBytes() {
        List<FleetSimulator.SimRecord> a =
                new FleetSimulator(FleetSimulator.Scenario.demo(START)).records();
        List<FleetSimulator.SimRecord> b =
                new FleetSimulator(FleetSimulator.Scenario.demo(START)).records();
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).value()).isEqualTo(b.get(i).value());
        }
    }

    @Test
    void holdsEveryMalformedKindOnceAndOrderedEvents() {
        List<FleetSimulator.SimRecord> records =
                new FleetSimulator(FleetSimulator.Scenario.demo(START)).records();
        Map<String, Long> kinds =
                records.stream()
                        .collect(
                                Collectors.groupingBy(
                                        FleetSimulator.SimRecord::kind, Collectors.counting()));
        // 4 minutes x 10 requests/s x 2 deployments
        assertThat(kinds.get(FleetSimulator.VALID)).isEqualTo(4800L);
        for (String kind : FleetSimulator.MALFORMED_KINDS.keySet()) {
            assertThat(kinds.get(kind)).as(kind).isEqualTo(1L);
        }
        for (int i = 1; i < records.size(); i++) {
            assertThat(records.get(i).eventTime()).isAfterOrEqualTo(records.get(i - 1).eventTime());
        }
    }

    @Test
    void slowsOnlyChatDecodeAfterTheRegressionStarts() throws DecodeException {
        FleetSimulator.Scenario scenario = FleetSimulator.Scenario.demo(START);
        Instant regression = START.plus(scenario.regressionAt());
        AvroCodec<InferenceEvent> codec = AvroCodec.of(InferenceEvent.class);
        double[] sums = new double[4];
        int[] counts = new int[4];
        for (FleetSimulator.SimRecord r : new FleetSimulator(scenario).records()) {
            if (!r.kind().equals(FleetSimulator.VALID)) {
                continue;
            }
            InferenceEvent e = codec.decode(r.value());
            int i =
                    (e.getDeployment().equals("chat-llm") ? 0 : 2)
                            + (e.getEventTime().isBefore(regression) ? 0 : 1);
            sums[i] += e.getLatencyMs();
            counts[i]++;
        }
        double chatBefore = sums[0] / counts[0];
        double chatAfter = sums[1] / counts[1];
        double codeBefore = sums[2] / counts[2];
        double codeAfter = sums[3] / counts[3];
        assertThat(chatAfter / chatBefore).isBetween(3.0, 3.6);
        assertThat(codeAfter / codeBefore).isBetween(0.9, 1.1);
    }

    @Test
    void rejectsANonsenseScenario() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () ->
                                new FleetSimulator.Scenario(
                                        START, Duration.ZERO, 10, Duration.ZERO, 2, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDemoScenarioRaisesExactlyOneLatencyAlarmSoonAfterTheRegression() {
        FleetSimulator.Scenario scenario = FleetSimulator.Scenario.demo(START);
        List<OfflineWatch.Alarm> alarms =
                OfflineWatch.alarms(new FleetSimulator(scenario).records());
        assertThat(alarms).hasSize(1);
        OfflineWatch.Alarm alarm = alarms.get(0);
        assertThat(alarm.deployment()).isEqualTo("chat-llm");
        assertThat(alarm.signalName()).isEqualTo("latency_ms");
        Instant regression = START.plus(scenario.regressionAt());
        // Not before the regression, and at the end of its first 10-second interval (WATCH judges
        // interval aggregates: the first slow interval's last request is 9.9 s in at 10/s).
        assertThat(Duration.between(regression, alarm.eventTime()))
                .isBetween(Duration.ZERO, Duration.ofSeconds(10));
    }
}
