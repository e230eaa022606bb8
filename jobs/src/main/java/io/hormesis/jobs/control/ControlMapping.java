package io.hormesis.jobs.control;

import io.hormesis.jobs.common.DeterministicIds;
import io.hormesis.schema.Command;
import io.hormesis.schema.CommandKind;
import io.hormesis.schema.CommandOutcome;
import io.hormesis.schema.Decision;
import io.hormesis.schema.DecisionOutcome;
import io.hormesis.schema.Evidence;
import io.hormesis.schema.ModelEvent;
import io.hormesis.schema.PolicyUpdate;
import io.hormesis.schema.ResourceSample;
import io.hormesis.schema.RetrainAction;
import io.hormesis.schema.RollbackAction;
import io.hormesis.schema.ScaleAction;
import io.hormesis.schema.Signal;
import io.hormesis.schema.SignalKind;
import io.hormesis.stats.control.ControlInput;
import io.hormesis.stats.control.ControlOutput;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Between the Avro records on Kafka and the plain records of {@link
 * io.hormesis.stats.control.DeploymentController}: inputs one way, decisions, commands and policy
 * updates the other. An input the controller has no use for (an UNKNOWN kind from a newer producer)
 * maps to null.
 */
public final class ControlMapping {
    private ControlMapping() {}

    public static ControlInput.Signal signal(Signal s) {
        ControlInput.SignalKind kind =
                switch (s.getKind()) {
                    case ANOMALY -> ControlInput.SignalKind.ANOMALY;
                    case CHANGE -> ControlInput.SignalKind.CHANGE;
                    case DRIFT -> ControlInput.SignalKind.DRIFT;
                    case ESCALATION -> ControlInput.SignalKind.ESCALATION;
                    default -> null;
                };
        if (kind == null) {
            return null;
        }
        return new ControlInput.Signal(
                s.getEventTime().toEpochMilli(),
                s.getSignalId(),
                kind,
                s.getSignalName(),
                s.getModelVersion());
    }

    public static ControlInput.Resources resources(ResourceSample r) {
        return new ControlInput.Resources(
                r.getEventTime().toEpochMilli(), r.getReadyReplicas(), r.getGpuUtilization());
    }

    public static ControlInput.ModelEvent modelEvent(ModelEvent e) {
        ControlInput.ModelEventKind kind =
                switch (e.getKind()) {
                    case DEPLOYED -> ControlInput.ModelEventKind.DEPLOYED;
                    case PROMOTED -> ControlInput.ModelEventKind.PROMOTED;
                    case ROLLED_BACK -> ControlInput.ModelEventKind.ROLLED_BACK;
                    default -> null;
                };
        if (kind == null) {
            return null;
        }
        return new ControlInput.ModelEvent(
                e.getEventTime().toEpochMilli(),
                kind,
                e.getModelName(),
                e.getModelVersion(),
                e.getPreviousVersion());
    }

    public static ControlInput.Outcome outcome(CommandOutcome o) {
        ControlInput.OutcomeStatus status =
                switch (o.getStatus()) {
                    case APPLIED -> ControlInput.OutcomeStatus.APPLIED;
                    case REJECTED -> ControlInput.OutcomeStatus.REJECTED;
                    case FAILED -> ControlInput.OutcomeStatus.FAILED;
                    case EFFECTIVE -> ControlInput.OutcomeStatus.EFFECTIVE;
                    case NOT_EFFECTIVE -> ControlInput.OutcomeStatus.NOT_EFFECTIVE;
                    default -> ControlInput.OutcomeStatus.UNKNOWN;
                };
        return new ControlInput.Outcome(
                o.getEventTime().toEpochMilli(),
                o.getCommandId(),
                status,
                o.getDetail(),
                o.getObserved());
    }

    public static ControlInput.Telemetry telemetry(TelemetryAggregator.Interval i) {
        return new ControlInput.Telemetry(
                i.end(),
                i.end() - i.start(),
                i.modelName(),
                i.modelVersion(),
                i.requests(),
                i.errors(),
                i.p95LatencyMillis(),
                i.latencySamples(),
                i.scoreSamples());
    }

    /** The Avro command, unsigned, with the statistics of its ISSUED decision as evidence. */
    public static Command command(ControlOutput.Command c, Map<String, Double> evidence) {
        Command.Builder b =
                Command.newBuilder()
                        .setCommandId(c.commandId())
                        .setKind(CommandKind.valueOf(c.kind().name()))
                        .setDeployment(c.deployment())
                        .setModelName(c.modelName())
                        .setIssuedAt(Instant.ofEpochMilli(c.issuedAt()))
                        .setExpiresAt(Instant.ofEpochMilli(c.expiresAt()))
                        .setReason(c.reason())
                        .setSignalIds(List.copyOf(c.signalIds()))
                        .setEvidence(finite(evidence));
        if (c.scale() != null) {
            b.setScale(
                    new ScaleAction(
                            c.scale().fromReplicas(),
                            c.scale().targetReplicas(),
                            nullIfNaN(c.scale().forecastRate()),
                            nullIfNaN(c.scale().capacityPerReplica())));
        }
        if (c.rollback() != null) {
            b.setRollback(new RollbackAction(c.rollback().fromVersion(), c.rollback().toVersion()));
        }
        if (c.retrain() != null) {
            ControlOutput.RetrainAction r = c.retrain();
            b.setRetrain(
                    new RetrainAction(
                            List.copyOf(r.driftedFeatures()),
                            Instant.ofEpochMilli(r.referenceStart()),
                            Instant.ofEpochMilli(r.referenceEnd()),
                            Instant.ofEpochMilli(r.currentStart()),
                            Instant.ofEpochMilli(r.currentEnd()),
                            null,
                            null));
        }
        return b.build();
    }

    public static Decision decision(ControlOutput.Decision d) {
        return Decision.newBuilder()
                .setDecisionId(d.decisionId())
                .setDeployment(d.deployment())
                .setModelName(d.modelName() == null ? "" : d.modelName())
                .setModelVersion(d.modelVersion())
                .setDecidedAt(Instant.ofEpochMilli(d.decidedAt()))
                .setPolicy(d.policy())
                .setOutcome(DecisionOutcome.valueOf(d.outcome().name()))
                .setReason(d.reason())
                .setSignalIds(List.copyOf(d.signalIds()))
                .setCommandId(d.commandId())
                .setStatistics(finite(d.statistics()))
                .build();
    }

    public static PolicyUpdate policyUpdate(ControlOutput.PolicyChange p) {
        return PolicyUpdate.newBuilder()
                .setUpdateId(p.updateId())
                .setDeployment(p.deployment())
                .setParameter(p.parameter())
                .setEventTime(Instant.ofEpochMilli(p.eventTime()))
                .setBefore(p.before())
                .setAfter(p.after())
                .setReason(p.reason())
                .setCommandId(p.commandId())
                .build();
    }

    /**
     * The ESCALATION signal of an escalated decision: a command whose effect did not show (or a bad
     * version with nothing to roll back to) needs a person. Its id derives from the decision.
     */
    public static Signal escalation(ControlOutput.Decision d) {
        Map<String, Double> stats = finite(d.statistics());
        long decided = d.decidedAt();
        Double issuedAt = stats.get("issued_at");
        long windowStart = issuedAt != null && issuedAt <= decided ? issuedAt.longValue() : decided;
        return Signal.newBuilder()
                .setSignalId(DeterministicIds.of("sig", "escalation", d.decisionId()))
                .setKind(SignalKind.ESCALATION)
                .setDeployment(d.deployment())
                .setModelName(d.modelName() == null ? "" : d.modelName())
                .setModelVersion(d.modelVersion() == null ? "" : d.modelVersion())
                .setSignalName(d.commandId() != null ? "command_effect" : d.policy())
                .setEventTime(Instant.ofEpochMilli(decided))
                .setValue(1.0)
                .setScore(1.0)
                .setReason(d.reason())
                .setEvidence(
                        Evidence.newBuilder()
                                .setDetector("control")
                                .setStatistic(d.commandId() != null ? "no_effect" : d.policy())
                                .setStatisticValue(1.0)
                                .setThreshold(0.0)
                                .setBaseline(stats)
                                .setWindowStart(Instant.ofEpochMilli(windowStart))
                                .setWindowEnd(Instant.ofEpochMilli(decided))
                                .setWindowCount(0)
                                .setSourceIds(
                                        d.commandId() != null
                                                ? List.of(d.commandId())
                                                : List.copyOf(d.signalIds()))
                                .build())
                .build();
    }

    /** Avro maps of doubles survive NaN, but SQL engines and JSON do not: keep finite values. */
    private static Map<String, Double> finite(Map<String, Double> stats) {
        Map<String, Double> out = new LinkedHashMap<>();
        stats.forEach(
                (k, v) -> {
                    if (v != null && Double.isFinite(v)) {
                        out.put(k, v);
                    }
                });
        return out;
    }

    private static Double nullIfNaN(double x) {
        return Double.isFinite(x) ? x : null;
    }
}
