package io.hormesis.jobs.watch;

/**
 * What WATCH learns from one successful inference: the model version on a deployment it belongs to,
 * its event time, its end-to-end latency and time to first token (NaN when not reported), and the
 * request id. One record per event, so the keyed exchange carries each event once. A Flink POJO.
 */
public class Observation {
    private String deployment;
    private String modelName;
    private String modelVersion;
    private long eventTimeMillis;
    private boolean ok;
    private double latencyMs;
    private double ttftMs;
    private String sourceId;

    public Observation() {}

    public Observation(
            String deployment,
            String modelName,
            String modelVersion,
            long eventTimeMillis,
            boolean ok,
            double latencyMs,
            double ttftMs,
            String sourceId) {
        this.deployment = deployment;
        this.modelName = modelName;
        this.modelVersion = modelVersion;
        this.eventTimeMillis = eventTimeMillis;
        this.ok = ok;
        this.latencyMs = latencyMs;
        this.ttftMs = ttftMs;
        this.sourceId = sourceId;
    }

    /** The key WATCH keeps its state under: one model version on one deployment. */
    public String key() {
        return deployment + '|' + modelName + '|' + modelVersion;
    }

    public String getDeployment() {
        return deployment;
    }

    public void setDeployment(String deployment) {
        this.deployment = deployment;
    }

    public String getModelName() {
        return modelName;
    }

    public void setModelName(String modelName) {
        this.modelName = modelName;
    }

    public String getModelVersion() {
        return modelVersion;
    }

    public void setModelVersion(String modelVersion) {
        this.modelVersion = modelVersion;
    }

    public long getEventTimeMillis() {
        return eventTimeMillis;
    }

    public void setEventTimeMillis(long eventTimeMillis) {
        this.eventTimeMillis = eventTimeMillis;
    }

    /** Whether the request succeeded; a failed one counts only towards the error rate. */
    public boolean isOk() {
        return ok;
    }

    public void setOk(boolean ok) {
        this.ok = ok;
    }

    public double getLatencyMs() {
        return latencyMs;
    }

    public void setLatencyMs(double latencyMs) {
        this.latencyMs = latencyMs;
    }

    public double getTtftMs() {
        return ttftMs;
    }

    public void setTtftMs(double ttftMs) {
        this.ttftMs = ttftMs;
    }

    public String getSourceId() {
        return sourceId;
    }

    public void setSourceId(String sourceId) {
        this.sourceId = sourceId;
    }

    @Override
    public String toString() {
        return key() + "@" + eventTimeMillis + (ok ? "" : " FAILED") + " latency=" + latencyMs;
    }
}
