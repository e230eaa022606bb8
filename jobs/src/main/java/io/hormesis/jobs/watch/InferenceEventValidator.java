package io.hormesis.jobs.watch;

import io.hormesis.schema.InferenceEvent;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rejects InferenceEvents whose values no serving replica can report, and, when a list of known
 * deployments is configured, events of any other deployment ({@value #UNKNOWN_DEPLOYMENT}).
 */
public final class InferenceEventValidator implements RecordValidator<InferenceEvent> {
    private static final long serialVersionUID = 1L;

    /** Longest accepted identifier (deployment, model, version, replica, request id). */
    static final int MAX_ID_LENGTH = 256;

    /** Largest latency a request can plausibly take: one day, in milliseconds. */
    static final double MAX_LATENCY_MS = 86_400_000.0;

    /** Most features one event may carry, and the longest feature name. */
    static final int MAX_FEATURES = 1_024;

    /** Reason code of an event whose deployment is not among the known ones. */
    public static final String UNKNOWN_DEPLOYMENT = "UNKNOWN_DEPLOYMENT";

    private final long maxFutureSkewMillis;
    private final Set<String> knownDeployments;

    public InferenceEventValidator(Duration maxFutureSkew) {
        this(maxFutureSkew, List.of());
    }

    /**
     * @param knownDeployments the deployments events may come from; empty accepts every one
     */
    public InferenceEventValidator(Duration maxFutureSkew, List<String> knownDeployments) {
        this.maxFutureSkewMillis = maxFutureSkew.toMillis();
        this.knownDeployments = Set.copyOf(knownDeployments);
    }

    @Override
    public String reasonCode(InferenceEvent record, String problem) {
        return problem.startsWith(UNKNOWN_PREFIX) ? UNKNOWN_DEPLOYMENT : "INVALID";
    }

    private static final String UNKNOWN_PREFIX = "unknown deployment ";

    long maxFutureSkewMillis() {
        return maxFutureSkewMillis;
    }

    /** The configured known deployments; empty when every deployment is accepted. */
    Set<String> knownDeployments() {
        return knownDeployments;
    }

    @Override
    public String problem(InferenceEvent e) {
        String id = idProblem(e);
        if (id != null) {
            return id;
        }
        if (!knownDeployments.isEmpty() && !knownDeployments.contains(e.getDeployment())) {
            return UNKNOWN_PREFIX + e.getDeployment() + " (watch.known-deployments)";
        }
        if (!Double.isFinite(e.getLatencyMs())
                || e.getLatencyMs() < 0
                || e.getLatencyMs() > MAX_LATENCY_MS) {
            return "latencyMs must be in [0, " + MAX_LATENCY_MS + "], got " + e.getLatencyMs();
        }
        Double ttft = e.getTtftMs();
        if (ttft != null && (!Double.isFinite(ttft) || ttft < 0 || ttft > MAX_LATENCY_MS)) {
            return "ttftMs must be in [0, " + MAX_LATENCY_MS + "] or null, got " + ttft;
        }
        if (e.getTokensIn() < 0 || e.getTokensOut() < 0) {
            return "token counts must be >= 0, got in="
                    + e.getTokensIn()
                    + " out="
                    + e.getTokensOut();
        }
        Double score = e.getPredictionScore();
        if (score != null && !Double.isFinite(score)) {
            return "predictionScore must be finite or null, got " + score;
        }
        if (e.getFeatures().size() > MAX_FEATURES) {
            return e.getFeatures().size() + " features, over " + MAX_FEATURES;
        }
        for (Map.Entry<String, Double> feature : e.getFeatures().entrySet()) {
            if (feature.getKey().length() > MAX_ID_LENGTH) {
                return "a feature name is "
                        + feature.getKey().length()
                        + " characters, over "
                        + MAX_ID_LENGTH;
            }
            if (feature.getValue() == null || !Double.isFinite(feature.getValue())) {
                return "feature " + feature.getKey() + " must be finite, got " + feature.getValue();
            }
        }
        // The wall clock, not Instant.now(): this runs for every event.
        long latest = System.currentTimeMillis() + maxFutureSkewMillis;
        if (e.getEventTime().toEpochMilli() > latest) {
            return "eventTime "
                    + e.getEventTime()
                    + " is more than "
                    + Duration.ofMillis(maxFutureSkewMillis)
                    + " in the future";
        }
        if (e.getEventTime().toEpochMilli() <= 0) {
            return "eventTime " + e.getEventTime() + " is not after the epoch";
        }
        return null;
    }

    private static String idProblem(InferenceEvent e) {
        String[][] ids = {
            {"requestId", e.getRequestId()},
            {"deployment", e.getDeployment()},
            {"modelName", e.getModelName()},
            {"modelVersion", e.getModelVersion()},
            {"replica", e.getReplica()}
        };
        for (String[] id : ids) {
            if (id[1].isBlank()) {
                return id[0] + " must not be blank";
            }
            if (id[1].length() > MAX_ID_LENGTH) {
                return id[0] + " is " + id[1].length() + " characters, over " + MAX_ID_LENGTH;
            }
            if (id[1].chars().anyMatch(Character::isISOControl)) {
                return id[0] + " contains control characters";
            }
        }
        return null;
    }
}
