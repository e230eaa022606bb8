package io.hormesis.stats.control;

import java.util.List;
import java.util.Map;

/**
 * What one call of a {@link DeploymentController} produced: decisions (each with its reason and
 * figures), command intents, and updates of learned policy parameters. The records mirror the Avro
 * {@code Decision}, {@code Command} (with its {@code ScaleAction}, {@code RollbackAction}, {@code
 * RetrainAction}) and {@code PolicyUpdate}; the CONTROL operator maps, signs and sends them.
 */
public record ControlOutput(
        List<Decision> decisions, List<Command> commands, List<PolicyChange> policyUpdates) {

    public ControlOutput {
        decisions = List.copyOf(decisions);
        commands = List.copyOf(commands);
        policyUpdates = List.copyOf(policyUpdates);
    }

    public static final ControlOutput EMPTY = new ControlOutput(List.of(), List.of(), List.of());

    public boolean isEmpty() {
        return decisions.isEmpty() && commands.isEmpty() && policyUpdates.isEmpty();
    }

    /** Avro {@code DecisionOutcome}. */
    public enum DecisionOutcome {
        ISSUED,
        HELD,
        INCONCLUSIVE,
        SUPPRESSED,
        ESCALATED
    }

    /** Avro {@code CommandKind}. */
    public enum CommandKind {
        SCALE,
        ROLLBACK,
        RETRAIN
    }

    /**
     * A decision (Avro {@code Decision}).
     *
     * @param policy scale, rollback, retrain or escalation
     * @param commandId the command issued (ISSUED), or the command escalated (ESCALATED); else null
     */
    public record Decision(
            String decisionId,
            String deployment,
            String modelName,
            String modelVersion,
            long decidedAt,
            String policy,
            DecisionOutcome outcome,
            String reason,
            List<String> signalIds,
            String commandId,
            Map<String, Double> statistics) {
        public Decision {
            signalIds = List.copyOf(signalIds);
            statistics = Map.copyOf(statistics);
        }
    }

    /** A command to send (Avro {@code Command} before signing); exactly one action is set. */
    public record Command(
            String commandId,
            CommandKind kind,
            String deployment,
            String modelName,
            long issuedAt,
            long expiresAt,
            String reason,
            List<String> signalIds,
            ScaleAction scale,
            RollbackAction rollback,
            RetrainAction retrain) {
        public Command {
            signalIds = List.copyOf(signalIds);
            int set =
                    (scale != null ? 1 : 0)
                            + (rollback != null ? 1 : 0)
                            + (retrain != null ? 1 : 0);
            if (set != 1) {
                throw new IllegalArgumentException("exactly one action must be set, got " + set);
            }
        }
    }

    /** Avro {@code ScaleAction}; the forecast and capacity are NaN when unknown. */
    public record ScaleAction(
            int fromReplicas, int targetReplicas, double forecastRate, double capacityPerReplica) {}

    /** Avro {@code RollbackAction}: {@code toVersion} is the last-known-good version. */
    public record RollbackAction(String fromVersion, String toVersion) {}

    /** Avro {@code RetrainAction}: event-time ranges, [start, end). */
    public record RetrainAction(
            List<String> driftedFeatures,
            long referenceStart,
            long referenceEnd,
            long currentStart,
            long currentEnd) {
        public RetrainAction {
            driftedFeatures = List.copyOf(driftedFeatures);
        }
    }

    /**
     * An update of a learned parameter (Avro {@code PolicyUpdate}).
     *
     * @param parameter headroom, warmup_ms or capacity_per_replica
     * @param commandId the command whose outcome taught it, or null
     */
    public record PolicyChange(
            String updateId,
            String deployment,
            String parameter,
            long eventTime,
            double before,
            double after,
            String reason,
            String commandId) {}
}
