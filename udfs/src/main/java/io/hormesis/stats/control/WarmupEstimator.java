package io.hormesis.stats.control;

import io.hormesis.stats.StateBytes;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The learned warm-up time of a deployment: an exponentially weighted mean of the time from a SCALE
 * being applied to the new replicas being ready, taken from command outcomes. It is the lead time
 * of the rate forecast: the scaler must ask now for what the load will need once replicas started
 * now are ready.
 */
public final class WarmupEstimator {

    private static final byte FORMAT = 1;

    private final double alpha;
    private double meanMillis;
    private long outcomes;

    /**
     * @param priorMillis warm-up assumed before the first outcome
     * @param alpha weight of each new outcome, in (0, 1]
     */
    public WarmupEstimator(long priorMillis, double alpha) {
        if (priorMillis < 0) {
            throw new IllegalArgumentException("priorMillis must be >= 0, got " + priorMillis);
        }
        if (!(alpha > 0.0 && alpha <= 1.0)) {
            throw new IllegalArgumentException("alpha must be in (0, 1], got " + alpha);
        }
        this.alpha = alpha;
        this.meanMillis = priorMillis;
    }

    /**
     * Learns from one outcome: the SCALE was applied at {@code appliedMillis}, ready at {@code
     * readyMillis}.
     */
    public PolicyUpdate onOutcome(long appliedMillis, long readyMillis) {
        if (readyMillis < appliedMillis) {
            throw new IllegalArgumentException(
                    "readyMillis ("
                            + readyMillis
                            + ") must not precede appliedMillis ("
                            + appliedMillis
                            + ")");
        }
        double before = meanMillis;
        double observed = (double) readyMillis - appliedMillis;
        meanMillis += alpha * (observed - meanMillis);
        outcomes++;
        return new PolicyUpdate(
                meanMillis != before,
                before,
                meanMillis,
                "replicas ready "
                        + (long) observed
                        + " ms after SCALE: warm-up "
                        + Math.round(before)
                        + " -> "
                        + Math.round(meanMillis)
                        + " ms");
    }

    /** The lead time to forecast over, in milliseconds. */
    public long leadMillis() {
        return Math.round(meanMillis);
    }

    public long outcomes() {
        return outcomes;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeDouble(alpha);
        out.writeDouble(meanMillis);
        out.writeLong(outcomes);
    }

    public static WarmupEstimator readFrom(DataInput in) throws IOException {
        StateBytes.checkVersion(in, FORMAT, "WarmupEstimator");
        double alpha = in.readDouble();
        double mean = in.readDouble();
        if (!(mean >= 0.0) || Double.isInfinite(mean)) {
            throw new IllegalArgumentException("corrupt WarmupEstimator state: mean " + mean);
        }
        WarmupEstimator estimator = new WarmupEstimator(0, alpha);
        estimator.meanMillis = mean;
        estimator.outcomes = in.readLong();
        return estimator;
    }

    public byte[] toBytes() {
        return StateBytes.write(this::writeTo, SERIALIZED_BYTES);
    }

    public static WarmupEstimator fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, WarmupEstimator::readFrom);
    }

    /** Exact length of {@link #toBytes()}. */
    public static final int SERIALIZED_BYTES = 1 + 3 * 8;
}
