package io.hormesis.jobs.watch;

/**
 * One value of one signal of one model version on one deployment: the unit the baselines learn
 * from. A Flink POJO.
 */
public class Observation {
    private String deployment;
    private String modelName;
    private String modelVersion;
    private String signalName;
    private long eventTimeMillis;
    private double value;
    private String sourceId;

    public Observation() {}

    public Observation(
            String deployment,
            String modelName,
            String modelVersion,
            String signalName,
            long eventTimeMillis,
            double value,
            String sourceId) {
        this.deployment = deployment;
        this.modelName = modelName;
        this.modelVersion = modelVersion;
        this.signalName = signalName;
        this.eventTimeMillis = eventTimeMillis;
        this.value = value;
        this.sourceId = sourceId;
    }

    /** The key the baselines are kept under. */
    public String key() {
        return deployment + '|' + modelName + '|' + modelVersion + '|' + signalName;
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

    public String getSignalName() {
        return signalName;
    }

    public void setSignalName(String signalName) {
        this.signalName = signalName;
    }

    public long getEventTimeMillis() {
        return eventTimeMillis;
    }

    public void setEventTimeMillis(long eventTimeMillis) {
        this.eventTimeMillis = eventTimeMillis;
    }

    public double getValue() {
        return value;
    }

    public void setValue(double value) {
        this.value = value;
    }

    public String getSourceId() {
        return sourceId;
    }

    public void setSourceId(String sourceId) {
        this.sourceId = sourceId;
    }

    @Override
    public String toString() {
        return key() + "@" + eventTimeMillis + "=" + value;
    }
}
