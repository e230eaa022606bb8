package io.hormesis.jobs.control;

/** What CONTROL remembers about one deployment. A Flink POJO. */
public class DeploymentControlState {
    private int replicas;
    private long cooldownUntilMillis;
    private long commandsIssued;
    private String lastCommandId;

    public DeploymentControlState() {}

    public DeploymentControlState(int replicas) {
        this.replicas = replicas;
    }

    public int getReplicas() {
        return replicas;
    }

    public void setReplicas(int replicas) {
        this.replicas = replicas;
    }

    public long getCooldownUntilMillis() {
        return cooldownUntilMillis;
    }

    public void setCooldownUntilMillis(long cooldownUntilMillis) {
        this.cooldownUntilMillis = cooldownUntilMillis;
    }

    public long getCommandsIssued() {
        return commandsIssued;
    }

    public void setCommandsIssued(long commandsIssued) {
        this.commandsIssued = commandsIssued;
    }

    public String getLastCommandId() {
        return lastCommandId;
    }

    public void setLastCommandId(String lastCommandId) {
        this.lastCommandId = lastCommandId;
    }
}
