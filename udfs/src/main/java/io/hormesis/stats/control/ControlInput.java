package io.hormesis.stats.control;

import java.util.Map;

/**
 * What a {@link DeploymentController} reads, as plain records that mirror the Avro inputs of the
 * CONTROL job (the Flink side maps them; {@code udfs/} stays free of Avro). Every record carries
 * its event time; per deployment they must arrive in event-time order.
 */
public final class ControlInput {
    private ControlInput() {}

    /**
     * One interval of a deployment's inference telemetry for one model version.
     *
     * @param eventTime end of the interval (exclusive), event time in ms
     * @param intervalMillis length of the interval
     * @param modelName the model served
     * @param modelVersion the version that served these requests
     * @param requests requests in the interval
     * @param errors failed requests in the interval (0 <= errors <= requests)
     * @param p95LatencyMillis p95 latency of the interval's requests
     * @param latencySamples a sample of the interval's latencies (ms), for the rollback judge
     * @param scoreSamples a sample of the interval's prediction scores, for the rollback judge
     */
    public record Telemetry(
            long eventTime,
            long intervalMillis,
            String modelName,
            String modelVersion,
            long requests,
            long errors,
            double p95LatencyMillis,
            double[] latencySamples,
            double[] scoreSamples) {
        public Telemetry {
            if (intervalMillis < 1) {
                throw new IllegalArgumentException(
                        "intervalMillis must be >= 1, got " + intervalMillis);
            }
            if (modelVersion == null || modelVersion.isBlank()) {
                throw new IllegalArgumentException("modelVersion is required");
            }
            if (requests < 0 || errors < 0 || errors > requests) {
                throw new IllegalArgumentException(
                        "need 0 <= errors <= requests, got " + errors + " of " + requests);
            }
            if (!(p95LatencyMillis >= 0.0) || Double.isInfinite(p95LatencyMillis)) {
                throw new IllegalArgumentException(
                        "p95LatencyMillis must be finite and >= 0, got " + p95LatencyMillis);
            }
            modelName = modelName == null ? "" : modelName;
            latencySamples = latencySamples == null ? new double[0] : latencySamples;
            scoreSamples = scoreSamples == null ? new double[0] : scoreSamples;
        }

        public double requestsPerSecond() {
            return requests * 1000.0 / intervalMillis;
        }

        public double errorRate() {
            return requests == 0 ? 0.0 : (double) errors / requests;
        }
    }

    /**
     * A resource reading of the deployment.
     *
     * @param readyReplicas replicas ready to serve
     * @param gpuUtilization mean GPU utilisation of the ready replicas, in [0, 1] (NaN if unknown)
     */
    public record Resources(long eventTime, int readyReplicas, double gpuUtilization) {
        public Resources {
            if (readyReplicas < 0) {
                throw new IllegalArgumentException(
                        "readyReplicas must be >= 0, got " + readyReplicas);
            }
        }
    }

    /** The kinds of model-registry events (Avro {@code ModelEventKind}). */
    public enum ModelEventKind {
        DEPLOYED,
        PROMOTED,
        ROLLED_BACK
    }

    /**
     * A model-registry event of the deployment.
     *
     * @param version the version deployed, promoted, or now live after a rollback
     * @param previousVersion the version it replaced (null if none or unknown)
     */
    public record ModelEvent(
            long eventTime,
            ModelEventKind kind,
            String modelName,
            String version,
            String previousVersion) {
        public ModelEvent {
            if (kind == null || version == null || version.isBlank()) {
                throw new IllegalArgumentException("kind and version are required");
            }
            modelName = modelName == null ? "" : modelName;
        }
    }

    /** The kinds of signals the controller weighs (Avro {@code SignalKind}). */
    public enum SignalKind {
        ANOMALY,
        CHANGE,
        DRIFT,
        ESCALATION
    }

    /**
     * A WATCH signal about the deployment, cited as evidence; DRIFT signals also feed the RETRAIN
     * gate.
     *
     * @param signalName the metric or feature it is about (for DRIFT: the drifted feature)
     * @param modelVersion the version it is about (null if the whole deployment)
     */
    public record Signal(
            long eventTime,
            String signalId,
            SignalKind kind,
            String signalName,
            String modelVersion) {
        public Signal {
            if (signalId == null || signalId.isBlank() || kind == null) {
                throw new IllegalArgumentException("signalId and kind are required");
            }
            signalName = signalName == null ? "" : signalName;
        }
    }

    /** The statuses of a command outcome (Avro {@code OutcomeStatus}). */
    public enum OutcomeStatus {
        APPLIED,
        REJECTED,
        FAILED,
        EFFECTIVE,
        NOT_EFFECTIVE,
        UNKNOWN
    }

    /** What the deployment's actuator reported about a command. */
    public record Outcome(
            long eventTime,
            String commandId,
            OutcomeStatus status,
            String detail,
            Map<String, Double> observed) {
        public Outcome {
            if (commandId == null || status == null) {
                throw new IllegalArgumentException("commandId and status are required");
            }
            detail = detail == null ? "" : detail;
            observed = observed == null ? Map.of() : Map.copyOf(observed);
        }
    }
}
