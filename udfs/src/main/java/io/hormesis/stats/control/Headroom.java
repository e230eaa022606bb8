package io.hormesis.stats.control;

import io.hormesis.stats.StateBytes;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Locale;

/**
 * The learned headroom of a deployment: extra capacity, as a fraction of the forecast, kept on top
 * of what the forecast needs. It grows multiplicatively after an SLO violation and shrinks slowly
 * after a long over-provisioned stretch, within [min, max]: the multiplicative-increase,
 * slow-decrease shape that keeps a controller safe when violations cost more than idle replicas.
 *
 * <p>One violation episode grows the headroom at most once per {@code growCooldownMillis}, so a
 * violation that lasts many ticks (while new replicas warm up) is not counted many times.
 */
public final class Headroom {

    private static final byte FORMAT = 1;
    private static final long NONE = Long.MIN_VALUE;

    private final double min;
    private final double max;
    private final double growFactor;
    private final double shrinkFactor;
    private final long growCooldownMillis;
    private final long shrinkAfterMillis;

    private double value;
    private long lastGrowth = NONE;
    private long overProvisionedSince = NONE;

    /**
     * @param initial starting headroom, in [min, max]
     * @param min smallest headroom, > 0 so multiplicative growth can start from it
     * @param max largest headroom
     * @param growFactor multiplier after a violation, > 1
     * @param shrinkFactor multiplier after {@code shrinkAfterMillis} over-provisioned, in (0, 1)
     * @param growCooldownMillis least time between two growths
     * @param shrinkAfterMillis over-provisioned time that earns one shrink step
     */
    public Headroom(
            double initial,
            double min,
            double max,
            double growFactor,
            double shrinkFactor,
            long growCooldownMillis,
            long shrinkAfterMillis) {
        if (!(min > 0.0) || Double.isInfinite(min)) {
            throw new IllegalArgumentException("min headroom must be finite and > 0, got " + min);
        }
        if (!(max >= min) || Double.isInfinite(max)) {
            throw new IllegalArgumentException(
                    "max headroom must be finite and >= min (" + min + "), got " + max);
        }
        if (!(initial >= min && initial <= max)) {
            throw new IllegalArgumentException(
                    "initial headroom must be in [" + min + ", " + max + "], got " + initial);
        }
        if (!(growFactor > 1.0) || Double.isInfinite(growFactor)) {
            throw new IllegalArgumentException(
                    "growFactor must be finite and > 1, got " + growFactor);
        }
        if (!(shrinkFactor > 0.0 && shrinkFactor < 1.0)) {
            throw new IllegalArgumentException(
                    "shrinkFactor must be in (0, 1), got " + shrinkFactor);
        }
        if (growCooldownMillis < 0) {
            throw new IllegalArgumentException(
                    "growCooldownMillis must be >= 0, got " + growCooldownMillis);
        }
        if (shrinkAfterMillis < 1) {
            throw new IllegalArgumentException(
                    "shrinkAfterMillis must be >= 1, got " + shrinkAfterMillis);
        }
        this.value = initial;
        this.min = min;
        this.max = max;
        this.growFactor = growFactor;
        this.shrinkFactor = shrinkFactor;
        this.growCooldownMillis = growCooldownMillis;
        this.shrinkAfterMillis = shrinkAfterMillis;
    }

    /**
     * Learns from one tick at event time {@code timeMillis}: whether the latency SLO was violated,
     * and whether the deployment was over-provisioned (the caller's definition, for example
     * utilisation below half the target).
     */
    public PolicyUpdate observe(long timeMillis, boolean sloViolated, boolean overProvisioned) {
        double before = value;
        if (sloViolated) {
            overProvisionedSince = NONE;
            if (lastGrowth != NONE && timeMillis - lastGrowth < growCooldownMillis) {
                return PolicyUpdate.unchanged(
                        value,
                        "SLO violated; headroom grew "
                                + (timeMillis - lastGrowth)
                                + " ms ago, cooldown "
                                + growCooldownMillis
                                + " ms");
            }
            if (value >= max) {
                return PolicyUpdate.unchanged(
                        value, "SLO violated; headroom already at its maximum " + fmt(max));
            }
            lastGrowth = timeMillis;
            value = Math.min(max, value * growFactor);
            return new PolicyUpdate(
                    true,
                    before,
                    value,
                    "SLO violated: headroom "
                            + fmt(before)
                            + " -> "
                            + fmt(value)
                            + " (x"
                            + fmt(growFactor)
                            + ")");
        }
        if (!overProvisioned) {
            overProvisionedSince = NONE;
            return PolicyUpdate.unchanged(value, "within SLO and not over-provisioned");
        }
        if (overProvisionedSince == NONE) {
            overProvisionedSince = timeMillis;
        }
        long stretch = timeMillis - overProvisionedSince;
        if (stretch < shrinkAfterMillis) {
            return PolicyUpdate.unchanged(
                    value, "over-provisioned for " + stretch + " ms of " + shrinkAfterMillis);
        }
        overProvisionedSince = timeMillis;
        if (value <= min) {
            return PolicyUpdate.unchanged(
                    value, "over-provisioned; headroom already at its minimum " + fmt(min));
        }
        value = Math.max(min, value * shrinkFactor);
        return new PolicyUpdate(
                true,
                before,
                value,
                "over-provisioned for "
                        + stretch
                        + " ms: headroom "
                        + fmt(before)
                        + " -> "
                        + fmt(value)
                        + " (x"
                        + fmt(shrinkFactor)
                        + ")");
    }

    public double value() {
        return value;
    }

    private static String fmt(double x) {
        return String.format(Locale.ROOT, "%.4g", x);
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeDouble(min);
        out.writeDouble(max);
        out.writeDouble(growFactor);
        out.writeDouble(shrinkFactor);
        out.writeLong(growCooldownMillis);
        out.writeLong(shrinkAfterMillis);
        out.writeDouble(value);
        out.writeLong(lastGrowth);
        out.writeLong(overProvisionedSince);
    }

    public static Headroom readFrom(DataInput in) throws IOException {
        StateBytes.checkVersion(in, FORMAT, "Headroom");
        double min = in.readDouble();
        double max = in.readDouble();
        double growFactor = in.readDouble();
        double shrinkFactor = in.readDouble();
        long growCooldownMillis = in.readLong();
        long shrinkAfterMillis = in.readLong();
        double value = in.readDouble();
        Headroom headroom =
                new Headroom(
                        value,
                        min,
                        max,
                        growFactor,
                        shrinkFactor,
                        growCooldownMillis,
                        shrinkAfterMillis);
        headroom.lastGrowth = in.readLong();
        headroom.overProvisionedSince = in.readLong();
        return headroom;
    }

    public byte[] toBytes() {
        return StateBytes.write(this::writeTo, SERIALIZED_BYTES);
    }

    public static Headroom fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, Headroom::readFrom);
    }

    /** Exact length of {@link #toBytes()}. */
    public static final int SERIALIZED_BYTES = 1 + 9 * 8;
}
