package io.hormesis.stats.control;

import io.hormesis.stats.StateBytes;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Locale;

/**
 * The learned capacity of one replica: the request rate per replica at which the p95 latency
 * reaches the SLO, from (load per replica, p95 latency) observations.
 *
 * <p>The estimate tracks the frontier between loads served within the SLO and loads that violated
 * it, by stochastic approximation: an observation within the SLO at a load above the estimate pulls
 * the estimate up towards it, a violation at a load below the estimate pulls it down towards it,
 * each by the fraction {@code alpha} of the gap; the other observations agree with the estimate and
 * leave it alone. When the latency is an increasing function of the load, the only fixed point is
 * the load where it crosses the SLO. This needs no latency model (a queueing fit would assume one,
 * and GPU batching bends the curve), adapts when a new version is slower, and never learns from
 * loads it has not seen: until loads near capacity are observed, the estimate stays at the prior or
 * at the highest load served within the SLO.
 */
public final class CapacityEstimator {

    private static final byte FORMAT = 1;

    private final double sloMillis;
    private final double alpha;
    private double capacity;
    private long raises;
    private long cuts;

    /**
     * @param sloMillis the p95 latency SLO
     * @param priorCapacity requests/s per replica assumed before any evidence
     * @param alpha step towards each informative observation, in (0, 1]
     */
    public CapacityEstimator(double sloMillis, double priorCapacity, double alpha) {
        if (!(sloMillis > 0.0) || Double.isInfinite(sloMillis)) {
            throw new IllegalArgumentException(
                    "sloMillis must be finite and > 0, got " + sloMillis);
        }
        if (!(priorCapacity > 0.0) || Double.isInfinite(priorCapacity)) {
            throw new IllegalArgumentException(
                    "priorCapacity must be finite and > 0, got " + priorCapacity);
        }
        if (!(alpha > 0.0 && alpha <= 1.0)) {
            throw new IllegalArgumentException("alpha must be in (0, 1], got " + alpha);
        }
        this.sloMillis = sloMillis;
        this.capacity = priorCapacity;
        this.alpha = alpha;
    }

    /** Learns from one window: {@code loadPerReplica} requests/s per ready replica, its p95. */
    public PolicyUpdate observe(double loadPerReplica, double p95Millis) {
        if (!(loadPerReplica >= 0.0) || Double.isInfinite(loadPerReplica)) {
            throw new IllegalArgumentException(
                    "loadPerReplica must be finite and >= 0, got " + loadPerReplica);
        }
        if (!(p95Millis >= 0.0) || Double.isInfinite(p95Millis)) {
            throw new IllegalArgumentException(
                    "p95Millis must be finite and >= 0, got " + p95Millis);
        }
        boolean within = p95Millis <= sloMillis;
        double before = capacity;
        if (within && loadPerReplica > capacity) {
            capacity += alpha * (loadPerReplica - capacity);
            raises++;
            return new PolicyUpdate(
                    true,
                    before,
                    capacity,
                    "p95 "
                            + fmt(p95Millis)
                            + " ms within SLO at "
                            + fmt(loadPerReplica)
                            + " req/s per replica: capacity "
                            + fmt(before)
                            + " -> "
                            + fmt(capacity));
        }
        if (!within && loadPerReplica < capacity && loadPerReplica > 0.0) {
            capacity += alpha * (loadPerReplica - capacity);
            cuts++;
            return new PolicyUpdate(
                    true,
                    before,
                    capacity,
                    "p95 "
                            + fmt(p95Millis)
                            + " ms over SLO at "
                            + fmt(loadPerReplica)
                            + " req/s per replica: capacity "
                            + fmt(before)
                            + " -> "
                            + fmt(capacity));
        }
        return PolicyUpdate.unchanged(
                capacity,
                "p95 "
                        + fmt(p95Millis)
                        + " ms at "
                        + fmt(loadPerReplica)
                        + " req/s per replica agrees with capacity "
                        + fmt(capacity));
    }

    /** Requests/s one replica serves within the SLO. */
    public double capacity() {
        return capacity;
    }

    public long raises() {
        return raises;
    }

    public long cuts() {
        return cuts;
    }

    private static String fmt(double x) {
        return String.format(Locale.ROOT, "%.4g", x);
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeDouble(sloMillis);
        out.writeDouble(alpha);
        out.writeDouble(capacity);
        out.writeLong(raises);
        out.writeLong(cuts);
    }

    public static CapacityEstimator readFrom(DataInput in) throws IOException {
        StateBytes.checkVersion(in, FORMAT, "CapacityEstimator");
        double slo = in.readDouble();
        double alpha = in.readDouble();
        double capacity = in.readDouble();
        CapacityEstimator estimator = new CapacityEstimator(slo, capacity, alpha);
        estimator.raises = in.readLong();
        estimator.cuts = in.readLong();
        return estimator;
    }

    public byte[] toBytes() {
        return StateBytes.write(this::writeTo, SERIALIZED_BYTES);
    }

    public static CapacityEstimator fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, CapacityEstimator::readFrom);
    }

    /** Exact length of {@link #toBytes()}. */
    public static final int SERIALIZED_BYTES = 1 + 5 * 8;
}
