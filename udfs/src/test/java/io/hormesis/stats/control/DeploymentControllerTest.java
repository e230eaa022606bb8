package io.hormesis.stats.control;

import io.hormesis.stats.control.ControlInput.ModelEvent;
import io.hormesis.stats.control.ControlInput.ModelEventKind;
import io.hormesis.stats.control.ControlInput.Outcome;
import io.hormesis.stats.control.ControlInput.OutcomeStatus;
import io.hormesis.stats.control.ControlInput.Resources;
import io.hormesis.stats.control.ControlInput.Signal;
import io.hormesis.stats.control.ControlInput.SignalKind;
import io.hormesis.stats.control.ControlInput.Telemetry;
import io.hormesis.stats.control.ControlOutput.Command;
import io.hormesis.stats.control.ControlOutput.CommandKind;
import io.hormesis.stats.control.ControlOutput.Decision;
import io.hormesis.stats.control.ControlOutput.DecisionOutcome;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The whole per-deployment policy, driven through its plain inputs. */
class DeploymentControllerTest {

    private static final long T0 = 1_800_000_000_000L;
    private static final long STEP = 10_000;
    private static final double SLO = 1_000;

    /** Capacity 10 req/s per replica, warm-up prior 30 s. */
    private static DeploymentController controller() {
        return new DeploymentController(
                "chat", DeploymentController.Config.defaults(SLO, 1, 100, 10.0, 30_000));
    }

    /** A driver that keeps the outputs of every call. */
    private static final class Drive {
        final DeploymentController c;
        final List<Decision> decisions = new ArrayList<>();
        final List<Command> commands = new ArrayList<>();
        final List<ControlOutput.PolicyChange> updates = new ArrayList<>();
        long time = T0;

        Drive(DeploymentController c) {
            this.c = c;
        }

        ControlOutput keep(ControlOutput out) {
            decisions.addAll(out.decisions());
            commands.addAll(out.commands());
            updates.addAll(out.policyUpdates());
            return out;
        }

        /** One 10 s interval: telemetry, resources, then the tick. */
        ControlOutput interval(
                String version, double rps, double p95, int ready, double errorRate, double score) {
            time += STEP;
            List<ControlOutput> outs = new ArrayList<>();
            outs.add(keep(c.onResources(new Resources(time, ready, 0.5))));
            long requests = Math.round(rps * STEP / 1000);
            Random random = new Random(time); // the same samples for a restored copy
            double[] lat = new double[40];
            double[] scores = new double[40];
            for (int i = 0; i < lat.length; i++) {
                lat[i] = p95 * (0.5 + 0.1 * random.nextGaussian());
                scores[i] = score + 0.05 * random.nextGaussian();
            }
            outs.add(
                    keep(
                            c.onTelemetry(
                                    new Telemetry(
                                            time,
                                            STEP,
                                            "llama",
                                            version,
                                            requests,
                                            Math.round(requests * errorRate),
                                            p95,
                                            lat,
                                            scores))));
            outs.add(keep(c.tick(time)));
            List<Decision> d = new ArrayList<>();
            List<Command> cmd = new ArrayList<>();
            List<ControlOutput.PolicyChange> u = new ArrayList<>();
            for (ControlOutput o : outs) {
                d.addAll(o.decisions());
                cmd.addAll(o.commands());
                u.addAll(o.policyUpdates());
            }
            return new ControlOutput(d, cmd, u);
        }

        ControlOutput steady(String version, int intervals, double rps, int ready) {
            ControlOutput last = ControlOutput.EMPTY;
            for (int i = 0; i < intervals; i++) {
                last = interval(version, rps, 400, ready, 0.005, 0.7);
            }
            return last;
        }

        ControlOutput event(ModelEventKind kind, String version, String previous) {
            return keep(c.onModelEvent(new ModelEvent(time, kind, "llama", version, previous)));
        }

        ControlOutput outcome(String id, OutcomeStatus status) {
            return keep(c.onOutcome(new Outcome(time, id, status, "", Map.of())));
        }

        List<Decision> decisions(String policy, DecisionOutcome outcome) {
            return decisions.stream()
                    .filter(d -> d.policy().equals(policy) && d.outcome() == outcome)
                    .toList();
        }
    }

    @Test
    void scalesUpOnASurgeAndHoldsWhileTheCommandIsInFlight() {
        Drive d = new Drive(controller());
        d.steady("v1", 40, 50, 6);
        assertThat(d.commands).as("steady 50 req/s on 6 replicas of 10").isEmpty();

        ControlOutput surge = d.interval("v1", 150, 1_500, 6, 0.005, 0.7);
        assertThat(surge.commands()).hasSize(1);
        Command scale = surge.commands().get(0);
        assertThat(scale.kind()).isEqualTo(CommandKind.SCALE);
        assertThat(scale.scale().fromReplicas()).isEqualTo(6);
        assertThat(scale.scale().targetReplicas()).isGreaterThanOrEqualTo(15);
        assertThat(scale.expiresAt()).isGreaterThan(scale.issuedAt());
        assertThat(surge.decisions())
                .anySatisfy(
                        dec -> {
                            assertThat(dec.outcome()).isEqualTo(DecisionOutcome.ISSUED);
                            assertThat(dec.commandId()).isEqualTo(scale.commandId());
                            assertThat(dec.statistics()).containsKeys("forecast_rps", "headroom");
                        });

        // No outcome yet: the next interval, with even more load, holds.
        ControlOutput held = d.interval("v1", 250, 2_500, 6, 0.005, 0.7);
        assertThat(held.commands()).isEmpty();
        assertThat(held.decisions())
                .anySatisfy(
                        dec -> {
                            assertThat(dec.outcome()).isEqualTo(DecisionOutcome.HELD);
                            assertThat(dec.reason()).contains("in flight");
                        });

        // Applied: the controller may scale again, counting the replicas still warming up.
        d.outcome(scale.commandId(), OutcomeStatus.APPLIED);
        ControlOutput next = d.interval("v1", 250, 2_500, 6, 0.005, 0.7);
        assertThat(next.commands()).hasSize(1);
        assertThat(next.commands().get(0).scale().fromReplicas())
                .isEqualTo(scale.scale().targetReplicas());
    }

    @Test
    void aSuddenSurgeIsExtrapolatedOverTheLeadCappedAtTwiceTheRate() {
        Drive d = new Drive(controller());
        d.steady("v1", 40, 50, 6);
        // 50 -> 150 req/s in one interval, above the 60 req/s of 6 replicas: the rise of 10 req/s
        // per second over the 30 s lead would reach 450, capped at twice the observed 150.
        ControlOutput surge = d.interval("v1", 150, 1_500, 6, 0.005, 0.7);
        assertThat(surge.commands()).hasSize(1);
        Command scale = surge.commands().get(0);
        assertThat(scale.reason()).contains("surge: 50.0 -> 150.0 req/s in one interval");
        Decision issued =
                surge.decisions().stream()
                        .filter(dec -> dec.outcome() == DecisionOutcome.ISSUED)
                        .findFirst()
                        .orElseThrow();
        assertThat(issued.statistics().get("surge_rps")).isCloseTo(300.0, within(1e-9));
        assertThat(issued.statistics().get("forecast_rps")).isCloseTo(300.0, within(1e-9));
        double h = issued.statistics().get("headroom");
        double cap = issued.statistics().get("capacity_per_replica");
        assertThat(scale.scale().targetReplicas()).isEqualTo((int) Math.ceil(300 * (1 + h) / cap));
    }

    @Test
    void noSurgeBelowTheRiseOrWithinTheAskedCapacity() {
        Drive d = new Drive(controller());
        d.steady("v1", 40, 50, 6);
        // +28 %: above the 60 req/s of 6 replicas, but under the 30 % rise of a surge.
        ControlOutput rise = d.interval("v1", 64, 900, 6, 0.005, 0.7);
        assertThat(rise.commands()).hasSize(1);
        assertThat(rise.commands().get(0).reason()).doesNotContain("surge");
        assertThat(rise.decisions()).noneMatch(dec -> dec.statistics().containsKey("surge_rps"));

        // x2 in one interval within the 60 req/s the 6 replicas serve: nothing to do.
        Drive e = new Drive(controller());
        e.steady("v1", 3, 20, 6);
        assertThat(e.interval("v1", 40, 400, 6, 0.005, 0.7).commands()).isEmpty();
        // x3.5 to above it: a surge.
        Drive f = new Drive(controller());
        f.steady("v1", 3, 20, 6);
        ControlOutput jump = f.interval("v1", 70, 1_500, 6, 0.005, 0.7);
        assertThat(jump.commands()).hasSize(1);
        assertThat(jump.commands().get(0).reason()).contains("surge: 20.0 -> 70.0");
    }

    @Test
    void loadWithinTheToleranceNeverFlaps() {
        Drive d = new Drive(controller());
        d.steady("v1", 10, 50, 6);
        for (int i = 0; i < 120; i++) {
            // +-3 % around 47 req/s: 6 replicas of 10 with 20 % headroom hold.
            d.interval("v1", 47 * (1 + 0.03 * Math.sin(i)), 400, 6, 0.005, 0.7);
        }
        assertThat(d.commands).isEmpty();
    }

    @Test
    void aCommandWithoutOutcomeIsEscalatedAtExpiry() {
        Drive d = new Drive(controller());
        d.steady("v1", 40, 50, 6);
        Command scale = d.interval("v1", 150, 1_500, 6, 0.005, 0.7).commands().get(0);
        for (int i = 0; i < 4; i++) {
            d.interval("v1", 150, 1_500, 6, 0.005, 0.7);
        }
        List<Decision> escalated = d.decisions("escalation", DecisionOutcome.ESCALATED);
        assertThat(escalated).hasSize(1);
        assertThat(escalated.get(0).commandId()).isEqualTo(scale.commandId());
        assertThat(escalated.get(0).reason()).contains("expired without an outcome");
        assertThat(d.c.pendingCommandId()).isNotEqualTo(scale.commandId());
    }

    @Test
    void anAppliedScaleWhoseReplicasNeverBecomeReadyIsEscalated() {
        Drive d = new Drive(controller());
        d.steady("v1", 40, 50, 6);
        List<String> applied = new ArrayList<>();
        // Every SCALE is applied at once, but the replicas never come while the load that needs
        // them lasts. (Were it to fall back after 30 s, that surge's end would let the controller
        // scale back down to the 6 ready replicas, a SCALE that supersedes the stuck one.)
        for (int i = 0; i < 30; i++) {
            ControlOutput out = d.interval("v1", 150, 900, 6, 0.005, 0.7);
            for (Command c : out.commands()) {
                d.outcome(c.commandId(), OutcomeStatus.APPLIED);
                applied.add(c.commandId());
            }
        }
        assertThat(applied).isNotEmpty();
        assertThat(d.decisions("escalation", DecisionOutcome.ESCALATED))
                .anySatisfy(
                        e -> {
                            assertThat(applied).contains(e.commandId());
                            assertThat(e.reason()).contains("shows no effect");
                        });
    }

    @Test
    void rollsABadDeployBackToTheLastKnownGoodVersionNotToItsPredecessor() {
        Drive d = new Drive(controller());
        d.steady("v1", 40, 50, 6); // v1 serves: known good
        d.event(ModelEventKind.DEPLOYED, "v2", "v1");
        d.steady("v2", 2, 50, 6); // v2 only 20 s old, not yet known good
        d.event(ModelEventKind.DEPLOYED, "v3", "v2");
        assertThat(d.c.predecessorVersion()).isEqualTo("v2");
        assertThat(d.c.lastKnownGoodVersion()).isEqualTo("v1");
        Command rollback = null;
        for (int i = 0; i < 6 && rollback == null; i++) {
            ControlOutput out = d.interval("v3", 50, 700, 6, 0.08, 0.5);
            rollback =
                    out.commands().stream()
                            .filter(c -> c.kind() == CommandKind.ROLLBACK)
                            .findFirst()
                            .orElse(null);
        }
        assertThat(rollback).as("a rollback within a minute").isNotNull();
        assertThat(rollback.rollback().fromVersion()).isEqualTo("v3");
        assertThat(rollback.rollback().toVersion()).isEqualTo("v1");
        assertThat(rollback.reason()).contains("error rate").contains("p=");
    }

    @Test
    void aCandidateWithTooFewSamplesIsInconclusiveAndNotRolledBack() {
        Drive d = new Drive(controller());
        d.steady("v1", 40, 50, 6);
        d.event(ModelEventKind.DEPLOYED, "v2", "v1");
        // Ten requests in the interval and no samples: too little to judge.
        d.time += STEP;
        d.keep(
                d.c.onTelemetry(
                        new Telemetry(
                                d.time, STEP, "llama", "v2", 10, 1, 900, new double[3], null)));
        assertThat(d.decisions("rollback", DecisionOutcome.INCONCLUSIVE)).hasSize(1);
        assertThat(d.decisions("rollback", DecisionOutcome.INCONCLUSIVE).get(0).reason())
                .contains("need 30");
        assertThat(d.commands).noneMatch(c -> c.kind() == CommandKind.ROLLBACK);
    }

    @Test
    void aGoodDeployIsNotRolledBackAndBecomesKnownGood() {
        Drive d = new Drive(controller());
        d.steady("v1", 40, 40, 6);
        d.event(ModelEventKind.DEPLOYED, "v2", "v1");
        d.steady("v2", 70, 40, 6); // past the 10 min canary window, below 80 % utilisation
        assertThat(d.commands).noneMatch(c -> c.kind() == CommandKind.ROLLBACK);
        assertThat(d.c.lastKnownGoodVersion()).isEqualTo("v2");
    }

    @Test
    void sustainedDriftRetrainsOnceAnHourAndSuppressesTheRest() {
        Drive d = new Drive(controller());
        d.steady("v1", 70, 50, 6); // stable for more than the canary window
        int retrains = 0;
        for (int minute = 0; minute < 30; minute++) {
            d.keep(
                    d.c.onSignal(
                            new Signal(
                                    d.time,
                                    "sig-" + minute,
                                    SignalKind.DRIFT,
                                    "context_tokens",
                                    "v1")));
            for (int i = 0; i < 6; i++) {
                ControlOutput out = d.interval("v1", 50, 400, 6, 0.005, 0.7);
                for (Command c : out.commands()) {
                    if (c.kind() == CommandKind.RETRAIN) {
                        retrains++;
                        assertThat(c.retrain().driftedFeatures()).containsExactly("context_tokens");
                        assertThat(c.retrain().referenceEnd())
                                .isEqualTo(c.retrain().currentStart());
                        assertThat(c.signalIds()).isNotEmpty();
                        d.outcome(c.commandId(), OutcomeStatus.APPLIED);
                    }
                }
            }
        }
        assertThat(retrains).isEqualTo(1);
        assertThat(d.decisions("retrain", DecisionOutcome.SUPPRESSED))
                .isNotEmpty()
                .allSatisfy(s -> assertThat(s.reason()).contains("rate-limited"));
    }

    @Test
    void learnsTheWarmupAndTheHeadroomWithReasons() {
        Drive d = new Drive(controller());
        d.steady("v1", 40, 50, 6);
        Command scale = d.interval("v1", 150, 1_500, 6, 0.005, 0.7).commands().get(0);
        d.outcome(scale.commandId(), OutcomeStatus.APPLIED);
        assertThat(d.updates)
                .anySatisfy(
                        u -> {
                            assertThat(u.parameter()).isEqualTo("headroom");
                            assertThat(u.after()).isGreaterThan(u.before());
                            assertThat(u.reason()).contains("SLO violated");
                        });
        // Ready 90 s after it was applied (9 intervals), not the 30 s prior.
        for (int i = 0; i < 8; i++) {
            d.interval("v1", 150, 1_500, 6, 0.005, 0.7);
        }
        d.interval("v1", 150, 800, scale.scale().targetReplicas(), 0.005, 0.7);
        assertThat(d.updates)
                .anySatisfy(
                        u -> {
                            assertThat(u.parameter()).isEqualTo("warmup_ms");
                            assertThat(u.before()).isEqualTo(30_000.0);
                            assertThat(u.after()).isEqualTo(60_000.0); // alpha 0.5 towards 90 s
                            assertThat(u.commandId()).isEqualTo(scale.commandId());
                            assertThat(u.reason()).contains("90000 ms after SCALE");
                        });
        assertThat(d.c.warmupMillis()).isEqualTo(60_000);
    }

    @Test
    void aViolationBelowTheCapacityCutsItWithAnUpdate() {
        Drive d = new Drive(controller());
        d.steady("v1", 10, 50, 6);
        // 48 req/s on 6 replicas = 8 per replica, over the SLO: capacity 10 -> 9.4.
        d.interval("v1", 48, 1_200, 6, 0.005, 0.7);
        assertThat(d.updates)
                .anySatisfy(
                        u -> {
                            assertThat(u.parameter()).isEqualTo("capacity_per_replica");
                            assertThat(u.after()).isLessThan(u.before());
                            assertThat(u.reason()).contains("over SLO");
                        });
        assertThat(d.c.capacityPerReplica()).isLessThan(10.0);
    }

    @Test
    void aRestoredControllerContinuesExactlyAsTheOriginal() {
        Drive a = new Drive(controller());
        a.steady("v1", 40, 50, 6);
        a.interval("v1", 150, 1_500, 6, 0.005, 0.7);
        a.event(ModelEventKind.DEPLOYED, "v2", "v1");
        a.keep(a.c.onSignal(new Signal(a.time, "s1", SignalKind.ANOMALY, "latency", "v2")));
        byte[] bytes = a.c.toBytes();
        assertThat(bytes.length)
                .isLessThanOrEqualTo(DeploymentController.maxSerializedBytes(a.c.config()));
        Drive b = new Drive(DeploymentController.fromBytes(bytes));
        b.time = a.time;
        assertThat(b.c.toBytes()).isEqualTo(bytes);
        a.decisions.clear();
        a.commands.clear();
        for (int i = 0; i < 30; i++) {
            double rps = 60 + 40 * Math.sin(i / 3.0);
            a.interval("v2", rps, 900, 8, 0.03, 0.6);
            b.interval("v2", rps, 900, 8, 0.03, 0.6);
        }
        assertThat(b.decisions).isEqualTo(a.decisions);
        assertThat(b.commands).isEqualTo(a.commands);
        assertThat(b.c.toBytes()).isEqualTo(a.c.toBytes());
        assertThat(a.decisions).isNotEmpty();
    }

    /** Intervals at {@code rps}, every SCALE applied at once and its replicas ready next. */
    private static int served(Drive d, int intervals, double rps, int ready) {
        for (int i = 0; i < intervals; i++) {
            ControlOutput out = d.interval("v1", rps, 400, ready, 0.005, 0.7);
            for (Command c : out.commands()) {
                d.outcome(c.commandId(), OutcomeStatus.APPLIED);
                ready = c.scale().targetReplicas();
            }
        }
        return ready;
    }

    @Test
    void theNextSurgeIsMetAtTheHeightTheLastOneReached() {
        Drive d = new Drive(controller());
        int ready = served(d, 40, 50, 6);
        ready = served(d, 30, 200, ready);
        ready = served(d, 1, 50, ready);
        assertThat(d.updates)
                .anySatisfy(
                        u -> {
                            assertThat(u.parameter()).isEqualTo("surge_ratio");
                            assertThat(u.after()).isCloseTo(4.0, within(0.05));
                        });
        ready = served(d, 60, 50, ready);
        d.commands.clear();
        // The second surge's first interval, at 2x: the controller provisions for the 4x the first
        // reached, not for the 100 req/s it sees.
        ControlOutput onset = d.interval("v1", 100, 400, ready, 0.005, 0.7);
        assertThat(onset.commands()).hasSize(1);
        Command scale = onset.commands().get(0);
        assertThat(scale.reason()).contains("surge under way");
        Decision issued =
                onset.decisions().stream()
                        .filter(dec -> dec.outcome() == DecisionOutcome.ISSUED)
                        .findFirst()
                        .orElseThrow();
        double remembered = issued.statistics().get("remembered_surge_rps");
        assertThat(remembered).isGreaterThan(180.0);
        double h = issued.statistics().get("headroom");
        double cap = issued.statistics().get("capacity_per_replica");
        assertThat(scale.scale().targetReplicas())
                .isEqualTo((int) Math.ceil(remembered * (1 + h) / cap));
    }

    @Test
    void stateOfTheFormatBeforeSurgeMemoryIsRead() {
        Drive a = new Drive(controller());
        a.steady("v1", 40, 50, 6);
        byte[] current = a.c.toBytes();
        // Format 2 is format 3 without its tail (the surge memory, two times).
        byte[] old =
                Arrays.copyOf(current, current.length - DeploymentController.FORMAT_3_TAIL_BYTES);
        old[0] = 2;
        DeploymentController restored = DeploymentController.fromBytes(old);
        byte[] again = restored.toBytes();
        assertThat(Arrays.copyOf(again, old.length)).isEqualTo(Arrays.copyOf(current, old.length));
        assertThat(restored.headroom()).isEqualTo(a.c.headroom());
    }

    @Test
    void ticksMustNotGoBackwardsAndStateVersionIsChecked() {
        DeploymentController c = controller();
        c.tick(T0);
        assertThatThrownBy(() -> c.tick(T0 - 1)).hasMessageContaining("backwards");
        byte[] bytes = c.toBytes();
        bytes[0] = 99;
        assertThatThrownBy(() -> DeploymentController.fromBytes(bytes))
                .hasMessageContaining("version 99");
    }
}
