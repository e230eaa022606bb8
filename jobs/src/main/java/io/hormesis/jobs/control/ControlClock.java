package io.hormesis.jobs.control;

/** CONTROL's timers for one deployment, in event time. A Flink POJO. */
public class ControlClock {
    /** No timer or no input yet. */
    public static final long NONE = Long.MIN_VALUE;

    private long lastInputMillis = NONE;
    private long nextTickMillis = NONE;
    private long cleanupAtMillis = NONE;

    public ControlClock() {}

    public long getLastInputMillis() {
        return lastInputMillis;
    }

    public void setLastInputMillis(long lastInputMillis) {
        this.lastInputMillis = lastInputMillis;
    }

    public long getNextTickMillis() {
        return nextTickMillis;
    }

    public void setNextTickMillis(long nextTickMillis) {
        this.nextTickMillis = nextTickMillis;
    }

    public long getCleanupAtMillis() {
        return cleanupAtMillis;
    }

    public void setCleanupAtMillis(long cleanupAtMillis) {
        this.cleanupAtMillis = cleanupAtMillis;
    }
}
