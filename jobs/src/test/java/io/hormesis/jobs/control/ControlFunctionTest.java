package io.hormesis.jobs.control;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import io.hormesis.jobs.control.CommandVerifier.Status;
import io.hormesis.schema.Command;
import io.hormesis.schema.CommandKind;
import io.hormesis.schema.CommandOutcome;
import io.hormesis.schema.Decision;
import io.hormesis.schema.DecisionOutcome;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;
import io.hormesis.schema.ModelEvent;
import io.hormesis.schema.ModelEventKind;
import io.hormesis.schema.OutcomeStatus;
import io.hormesis.schema.ResourceSample;
import io.hormesis.schema.Signal;
import io.hormesis.schema.SignalKind;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CONTROL's keyed operator on a harness: the controller's decisions as they reach Kafka, signed,
 * with their side outputs, timers, state and its cleanup, and a snapshot in the middle.
 */
class ControlFunctionTest {
    private static final String KEY = "a-test-signing-key-of-at-least-32-chars";
    private static final String DEPLOYMENT = "chat-llm";
    private static final long T0 = Instant.parse("2026-01-15T14:00:00Z").toEpochMilli();

    /** SLO 1 s, 2 replicas of 10 req/s each, 10 s ticks, commands live 60 s, canary 2 min. */
    static ControlSettings settings() {
        return new ControlSettings(
                1000,
                2,
                1,
                20,
                10.0,
                30_000,
                10_000,
                300_000,
                60_000,
                120_000,
                120_000,
                Duration.ofHours(1));
    }

    static KeyedOneInputStreamOperatorTestHarness<String, ControlRecord, Command> harness()
            throws Exception {
        ControlFunction fn = new ControlFunction(settings(), new CommandSigner("k1", KEY));
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(fn), ControlRecord::deployment, Types.STRING);
        h.setup();
        h.open();
        return h;
    }

    /** A deterministic fleet of one deployment: requests per second, latency, errors, version. */
    static final class Fleet {
        Random random = new Random(7);
        final KeyedOneInputStreamOperatorTestHarness<String, ControlRecord, Command> h;
        long now = T0;
        int seq;
        String version = "v7";
        double rate = 15;
        double medianLatency = 300;
        double errorRate = 0.01;
        int ready = 2;

        Fleet(KeyedOneInputStreamOperatorTestHarness<String, ControlRecord, Command> h) {
            this.h = h;
        }

        /** Runs {@code seconds} of traffic, a resource sample every 5 s, the watermark each s. */
        void run(int seconds) throws Exception {
            for (int s = 0; s < seconds; s++) {
                int n = (int) Math.floor(rate + random.nextDouble());
                for (int i = 0; i < n; i++) {
                    long t = now + i * 1000L / Math.max(1, n);
                    boolean error = random.nextDouble() < errorRate;
                    InferenceEvent e =
                            InferenceEvent.newBuilder()
                                    .setRequestId("r" + seq++)
                                    .setDeployment(DEPLOYMENT)
                                    .setModelName("llama-chat")
                                    .setModelVersion(version)
                                    .setReplica("replica-0")
                                    .setEventTime(Instant.ofEpochMilli(t))
                                    .setLatencyMs(
                                            medianLatency * Math.exp(0.1 * random.nextGaussian()))
                                    .setTtftMs(null)
                                    .setTokensIn(100)
                                    .setTokensOut(100)
                                    .setStatus(error ? InferenceStatus.ERROR : InferenceStatus.OK)
                                    .setPredictionScore(null)
                                    .setFeatures(Map.of())
                                    .build();
                    h.processElement(ControlRecord.of(e), t);
                }
                if ((now - T0) % 5_000 == 0) {
                    h.processElement(ControlRecord.of(resources(now, ready)), now);
                }
                now += 1000;
                h.processWatermark(now - 1);
            }
        }

        void send(ControlRecord r) throws Exception {
            h.processElement(r, r.eventTimeMillis());
        }
    }

    static ResourceSample resources(long t, int ready) {
        return ResourceSample.newBuilder()
                .setDeployment(DEPLOYMENT)
                .setReplica("replica-0")
                .setEventTime(Instant.ofEpochMilli(t))
                .setGpuUtilization(0.5)
                .setGpuMemoryUsedMiB(1000)
                .setQueueDepth(0)
                .setReadyReplicas(ready)
                .build();
    }

    static ControlRecord outcome(Command c, OutcomeStatus status, long t) {
        return ControlRecord.of(
                CommandOutcome.newBuilder()
                        .setCommandId(c.getCommandId())
                        .setDeployment(DEPLOYMENT)
                        .setStatus(status)
                        .setEventTime(Instant.ofEpochMilli(t))
                        .setDetail("")
                        .setObserved(Map.of())
                        .build());
    }

    static ControlRecord deployed(String version, String previous, long t) {
        return ControlRecord.of(
                ModelEvent.newBuilder()
                        .setEventId("me-" + version)
                        .setKind(ModelEventKind.DEPLOYED)
                        .setDeployment(DEPLOYMENT)
                        .setModelName("llama-chat")
                        .setModelVersion(version)
                        .setPreviousVersion(previous)
                        .setEventTime(Instant.ofEpochMilli(t))
                        .build());
    }

    static List<Command> commands(
            KeyedOneInputStreamOperatorTestHarness<String, ControlRecord, Command> h) {
        return h.extractOutputValues();
    }

    static List<Decision> decisions(
            KeyedOneInputStreamOperatorTestHarness<String, ControlRecord, Command> h) {
        var side = h.getSideOutput(ControlFunction.DECISIONS);
        return side == null
                ? List.of()
                : side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    static List<Signal> escalations(
            KeyedOneInputStreamOperatorTestHarness<String, ControlRecord, Command> h) {
        var side = h.getSideOutput(ControlFunction.ESCALATIONS);
        return side == null
                ? List.of()
                : side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    @Test
    void steadyNoisyLoadNeverFlapsAndASurgeScalesOnceWhileItIsInFlight() throws Exception {
        try (var h = harness()) {
            Fleet fleet = new Fleet(h);
            // 10 minutes at 15 req/s on 2 replicas of 10 req/s: within capacity with 20 %
            // headroom (18 <= 20), with Poisson-like jitter of the per-second counts.
            fleet.run(600);
            assertThat(commands(h)).isEmpty();

            // A surge to 40 req/s: one SCALE up, and while it has no outcome, no second one.
            fleet.rate = 40;
            fleet.run(50);
            List<Command> scale = commands(h);
            assertThat(scale).hasSize(1);
            Command up = scale.get(0);
            assertThat(up.getKind()).isEqualTo(CommandKind.SCALE);
            assertThat(up.getScale().getFromReplicas()).isEqualTo(2);
            assertThat(up.getScale().getTargetReplicas()).isGreaterThanOrEqualTo(4);
            assertThat(up.getEvidence()).containsKeys("forecast_rps", "capacity_per_replica");
            assertThat(up.getExpiresAt()).isEqualTo(up.getIssuedAt().plusSeconds(60));
            assertThat(up.getReason()).contains("scale 2 -> ");
            assertThat(decisions(h))
                    .filteredOn(d -> d.getOutcome() == DecisionOutcome.ISSUED)
                    .extracting(Decision::getCommandId)
                    .containsExactly(up.getCommandId());

            fleet.rate = 80;
            fleet.run(20);
            assertThat(commands(h)).hasSize(1);
            assertThat(decisions(h))
                    .filteredOn(d -> d.getOutcome() == DecisionOutcome.HELD)
                    .isNotEmpty()
                    .allSatisfy(d -> assertThat(d.getReason()).contains("in flight"));
        }
    }

    @Test
    void aScaleWhoseReplicasNeverBecomeReadyIsEscalated() throws Exception {
        try (var h = harness()) {
            Fleet fleet = new Fleet(h);
            fleet.run(120);
            fleet.rate = 40;
            fleet.run(30);
            Command up = commands(h).get(0);
            // Every command is applied at once, but the replicas stay at 2: the effect deadline
            // (twice the 30 s warm-up plus 120 s grace) passes and the SCALE becomes an
            // ESCALATION signal citing it.
            int applied = 0;
            for (int i = 0; i < 40; i++) {
                List<Command> issued = commands(h);
                for (; applied < issued.size(); applied++) {
                    fleet.send(outcome(issued.get(applied), OutcomeStatus.APPLIED, fleet.now));
                }
                fleet.run(10);
            }
            List<String> issued = commands(h).stream().map(Command::getCommandId).toList();
            assertThat(issued).first().isEqualTo(up.getCommandId());
            List<Signal> escalated = escalations(h);
            assertThat(escalated)
                    .as(
                            "escalations; decisions were %s",
                            decisions(h).stream().map(Decision::getReason).toList())
                    .isNotEmpty();
            Signal s = escalated.get(0);
            assertThat(s.getKind()).isEqualTo(SignalKind.ESCALATION);
            assertThat(s.getEvidence().getSourceIds()).hasSize(1);
            String escalatedId = s.getEvidence().getSourceIds().get(0);
            assertThat(issued).contains(escalatedId);
            assertThat(s.getReason()).contains(escalatedId, "shows no effect", "2 replicas ready");
            assertThat(decisions(h))
                    .filteredOn(d -> d.getOutcome() == DecisionOutcome.ESCALATED)
                    .extracting(Decision::getCommandId)
                    .contains(escalatedId);
        }
    }

    @Test
    void aBadDeployIsRolledBackToTheLastKnownGoodVersion() throws Exception {
        try (var h = harness()) {
            Fleet fleet = new Fleet(h);
            fleet.run(300);
            long deployAt = fleet.now;
            fleet.send(deployed("v8", "v7", deployAt));
            fleet.version = "v8";
            fleet.medianLatency = 700; // 2.3x slower, still within the 1 s SLO
            fleet.errorRate = 0.08;
            fleet.run(60);

            List<Command> rollbacks =
                    commands(h).stream().filter(c -> c.getKind() == CommandKind.ROLLBACK).toList();
            assertThat(rollbacks).hasSize(1);
            Command rollback = rollbacks.get(0);
            assertThat(rollback.getRollback().getFromVersion()).isEqualTo("v8");
            assertThat(rollback.getRollback().getToVersion()).isEqualTo("v7");
            assertThat(rollback.getIssuedAt().toEpochMilli() - deployAt).isLessThan(60_000);
            assertThat(rollback.getEvidence()).containsKeys("latency_p", "error_p");
            assertThat(rollback.getEvidence().get("latency_p")).isLessThan(0.01 / 3);
            assertThat(rollback.getReason()).contains("last-known-good v7");
            // Signed, and a controller accepts it once.
            CommandVerifier verifier = CommandVerifier.of("k1", KEY);
            Instant presented = rollback.getIssuedAt().plusSeconds(1);
            assertThat(verifier.verify(rollback, presented).status()).isEqualTo(Status.ACCEPTED);
            assertThat(verifier.verify(rollback, presented).status()).isEqualTo(Status.REPLAYED);
        }
    }

    @Test
    void aCanaryWithTooFewRequestsIsInconclusiveAndNotRolledBack() throws Exception {
        try (var h = harness()) {
            Fleet fleet = new Fleet(h);
            fleet.run(300);
            fleet.send(deployed("v8", "v7", fleet.now));
            fleet.version = "v8";
            fleet.rate = 0.1; // about 12 requests in the 2-minute canary window, 30 needed
            fleet.medianLatency = 900;
            fleet.run(150);
            assertThat(commands(h)).noneMatch(c -> c.getKind() == CommandKind.ROLLBACK);
            assertThat(decisions(h))
                    .filteredOn(d -> d.getPolicy().equals("rollback"))
                    .extracting(Decision::getOutcome)
                    .contains(DecisionOutcome.INCONCLUSIVE)
                    .doesNotContain(DecisionOutcome.ISSUED);
        }
    }

    @Test
    void forgedReplayedAndExpiredCommandsAreRejected() throws Exception {
        try (var h = harness()) {
            Fleet fleet = new Fleet(h);
            fleet.run(120);
            fleet.rate = 40;
            fleet.run(30);
            Command real = commands(h).get(0);
            CommandVerifier verifier = CommandVerifier.of("k1", KEY);
            Instant now = real.getIssuedAt().plusSeconds(1);
            Command forged =
                    Command.newBuilder(real)
                            .setScale(
                                    io.hormesis.schema.ScaleAction.newBuilder(real.getScale())
                                            .setTargetReplicas(20)
                                            .build())
                            .build();
            assertThat(verifier.verify(forged, now).status()).isEqualTo(Status.FORGED);
            assertThat(verifier.verify(real, real.getExpiresAt()).status())
                    .isEqualTo(Status.EXPIRED);
            assertThat(verifier.verify(real, now).status()).isEqualTo(Status.ACCEPTED);
            assertThat(verifier.verify(real, now).status()).isEqualTo(Status.REPLAYED);
        }
    }

    @Test
    void aRestoredOperatorContinuesExactlyAsTheOriginal() throws Exception {
        List<Command> straight;
        List<Decision> straightDecisions;
        try (var h = harness()) {
            Fleet fleet = new Fleet(h);
            scenario(fleet, 0, null);
            scenario(fleet, 1, commands(h).get(0));
            straight = commands(h);
            straightDecisions = decisions(h);
        }
        OperatorSubtaskState snapshot;
        List<Command> before;
        List<Decision> beforeDecisions;
        Fleet resumed;
        try (var h = harness()) {
            resumed = new Fleet(h);
            scenario(resumed, 0, null);
            before = commands(h);
            beforeDecisions = decisions(h);
            snapshot = h.snapshot(1, resumed.now);
        }
        try (var h = harness2(snapshot)) {
            Fleet fleet = new Fleet(h);
            // The same generator state: the restored run sees the same inputs as the straight one.
            fleet.now = resumed.now;
            fleet.seq = resumed.seq;
            copyRandom(resumed, fleet);
            fleet.rate = resumed.rate;
            scenario(fleet, 1, before.get(0));
            List<Command> all = new ArrayList<>(before);
            all.addAll(commands(h));
            List<Decision> allDecisions = new ArrayList<>(beforeDecisions);
            allDecisions.addAll(decisions(h));
            assertThat(straight).isNotEmpty();
            assertThat(all).isEqualTo(straight);
            assertThat(allDecisions).isEqualTo(straightDecisions);
        }
    }

    /** Phase 0: steady, then a surge begins; phase 1: the SCALE applied, ready, the surge. */
    private static void scenario(Fleet fleet, int phase, Command up) throws Exception {
        if (phase == 0) {
            fleet.run(200);
            fleet.rate = 40;
            fleet.run(25);
        } else {
            if (up != null) {
                fleet.send(outcome(up, OutcomeStatus.APPLIED, fleet.now));
                fleet.ready = up.getScale().getTargetReplicas();
            }
            fleet.run(100);
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ControlRecord, Command> harness2(
            OperatorSubtaskState snapshot) throws Exception {
        ControlFunction fn = new ControlFunction(settings(), new CommandSigner("k1", KEY));
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(fn), ControlRecord::deployment, Types.STRING);
        h.setup();
        h.initializeState(snapshot);
        h.open();
        return h;
    }

    private static void copyRandom(Fleet from, Fleet to) {
        // java.util.Random is Serializable: a copy continues the same sequence.
        try {
            var bytes = new java.io.ByteArrayOutputStream();
            try (var out = new java.io.ObjectOutputStream(bytes)) {
                out.writeObject(from.random);
            }
            try (var in =
                    new java.io.ObjectInputStream(
                            new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
                to.random = (Random) in.readObject();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anIdleDeploymentStopsTickingAndItsStateIsCleanedUp() throws Exception {
        try (var h = harness()) {
            Fleet fleet = new Fleet(h);
            fleet.run(60);
            assertThat(h.numKeyedStateEntries()).isGreaterThan(0);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            // No input any more: it ticks until idle (2 min), then waits for the state TTL
            // (1 h after the last input) and clears everything.
            h.processWatermark(fleet.now + Duration.ofMinutes(5).toMillis());
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            assertThat(h.numKeyedStateEntries()).isGreaterThan(0);
            h.processWatermark(fleet.now + Duration.ofHours(2).toMillis());
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void aDeploymentWhoseCommandsNeverGetAnOutcomeStillGoesIdleAndIsCleanedUp() throws Exception {
        try (var h = harness()) {
            Fleet fleet = new Fleet(h);
            fleet.run(120);
            fleet.rate = 40;
            fleet.run(30);
            assertThat(commands(h)).hasSize(1);
            long lastInput = fleet.now - 1000;
            // Its input stops and nothing ever answers its commands (a deployment deleted with
            // its controller): the SCALE expires and is escalated, and ticking goes on only until
            // idle-after (2 min) plus the command timeout (60 s) after the last input.
            h.processWatermark(lastInput + Duration.ofHours(2).toMillis());
            assertThat(escalations(h)).isNotEmpty();
            // The last tick is the first one at or after that point (ticks are 10 s apart).
            long idleEnd = lastInput + 120_000 + 60_000 + 10_000;
            assertThat(commands(h))
                    .as("commands issued after the deployment went idle")
                    .allSatisfy(
                            c -> assertThat(c.getIssuedAt().toEpochMilli()).isLessThan(idleEnd));
            assertThat(decisions(h))
                    .allSatisfy(
                            d ->
                                    assertThat(d.getDecidedAt().toEpochMilli())
                                            .isLessThanOrEqualTo(idleEnd));
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }
}
