package io.hormesis.stats.change;

import io.hormesis.stats.StateBytes;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The Page-Hinkley test (Page, "Continuous inspection schemes", Biometrika 41, 1954) for a shift in
 * the mean: {@code m_T = alpha m_{T-1} + (x_T - mean_T - delta)} with {@code mean_T} the running
 * mean, and a change when {@code m_T - min_t m_t > lambda} (an increase; a decrease mirrors it with
 * {@code +delta} and the maximum). After a change the next observation starts afresh.
 *
 * <p>The recursion is that of MOA's {@code moa.classifiers.core.driftdetection.PageHinkleyDM}, bit
 * for bit (checked in the tests). MOA's release 2024.07.0 compares {@code m_T} itself with lambda,
 * without the minimum; MOA's later source and the Page-Hinkley statistic as published (Gama et al.,
 * "A survey on concept drift adaptation", ACM Computing Surveys 46(4), 2014) subtract it, as done
 * here. {@code minInstances} here counts observations since the last start, so it equals MOA's
 * {@code minNumInstances - 1}.
 */
public final class PageHinkley implements ChangeDetector {
    /** Which shifts of the mean raise a change. */
    public enum Direction {
        INCREASE,
        DECREASE,
        BOTH
    }

    /** The published defaults, also MOA's: delta 0.005, lambda 50, alpha 1 - 1e-4, 30 instances. */
    public static PageHinkley defaults() {
        return new PageHinkley(0.005, 50, 1 - 0.0001, 29, Direction.INCREASE);
    }

    private static final int VERSION = 1;

    /** Exact length of {@link #toBytes()}. */
    static final int SERIALIZED_BYTES = 1 + 8 + 8 + 8 + 4 + 1 + 8 + 8 + 8 + 8 + 8 + 8 + 8 + 1 + 8;

    private final double delta;
    private final double lambda;
    private final double alpha;
    private final int minInstances;
    private final Direction direction;

    private long count;
    private long detections;
    private long n;
    private double mean;
    private double sumUp;
    private double minUp;
    private double sumDown;
    private double maxDown;
    private boolean detected;

    /**
     * @param delta magnitude of change tolerated, in units of the observations, {@code >= 0}
     * @param lambda threshold of the test statistic, {@code > 0}
     * @param alpha forgetting factor of the cumulative sum in (0, 1]; 1 forgets nothing
     * @param minInstances observations since the last start before a change may be raised, >= 1
     * @param direction which shifts raise a change
     */
    public PageHinkley(
            double delta, double lambda, double alpha, int minInstances, Direction direction) {
        if (!(delta >= 0) || Double.isInfinite(delta)) {
            throw new IllegalArgumentException("delta must be finite and >= 0, got " + delta);
        }
        if (!(lambda > 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be finite and > 0, got " + lambda);
        }
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1], got " + alpha);
        }
        if (minInstances < 1) {
            throw new IllegalArgumentException("minInstances must be >= 1, got " + minInstances);
        }
        if (direction == null) {
            throw new IllegalArgumentException("direction must not be null");
        }
        this.delta = delta;
        this.lambda = lambda;
        this.alpha = alpha;
        this.minInstances = minInstances;
        this.direction = direction;
        restart();
    }

    private void restart() {
        n = 0;
        mean = 0;
        sumUp = 0;
        minUp = Double.POSITIVE_INFINITY;
        sumDown = 0;
        maxDown = Double.NEGATIVE_INFINITY;
        detected = false;
    }

    @Override
    public boolean update(double x) {
        StateBytes.checkFinite(x);
        if (detected) {
            restart();
        }
        count++;
        n++;
        mean = mean + (x - mean) / (double) n;
        sumUp = alpha * sumUp + (x - mean - delta);
        if (sumUp <= minUp) {
            minUp = sumUp;
        }
        sumDown = alpha * sumDown + (x - mean + delta);
        if (sumDown >= maxDown) {
            maxDown = sumDown;
        }
        if (n < minInstances) {
            return false;
        }
        detected =
                (direction != Direction.DECREASE && sumUp - minUp > lambda)
                        || (direction != Direction.INCREASE && maxDown - sumDown > lambda);
        if (detected) {
            detections++;
        }
        return detected;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public void reset() {
        count = 0;
        detections = 0;
        restart();
    }

    /** The statistic for an increase, {@code m_T - min m_t}. */
    public double increaseStatistic() {
        return n == 0 ? 0 : sumUp - minUp;
    }

    /** The statistic for a decrease, {@code max M_t - M_T}. */
    public double decreaseStatistic() {
        return n == 0 ? 0 : maxDown - sumDown;
    }

    /** The cumulative sum {@code m_T} for an increase. */
    public double cumulativeSum() {
        return sumUp;
    }

    /** The running mean since the last start. */
    public double mean() {
        return mean;
    }

    /** Observations at which a change was raised so far. */
    public long detections() {
        return detections;
    }

    public byte[] toBytes() {
        return StateBytes.write(this::writeTo, SERIALIZED_BYTES);
    }

    public static PageHinkley fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, PageHinkley::readFrom);
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(VERSION);
        out.writeDouble(delta);
        out.writeDouble(lambda);
        out.writeDouble(alpha);
        out.writeInt(minInstances);
        out.writeByte(direction.ordinal());
        out.writeLong(count);
        out.writeLong(detections);
        out.writeLong(n);
        out.writeDouble(mean);
        out.writeDouble(sumUp);
        out.writeDouble(minUp);
        out.writeDouble(sumDown);
        out.writeBoolean(detected);
        out.writeDouble(maxDown);
    }

    public static PageHinkley readFrom(DataInput in) throws IOException {
        StateBytes.checkVersion(in, VERSION, "PageHinkley");
        double delta = in.readDouble();
        double lambda = in.readDouble();
        double alpha = in.readDouble();
        int minInstances = in.readInt();
        int direction = in.readUnsignedByte();
        if (direction >= Direction.values().length) {
            throw new IllegalArgumentException("corrupt PageHinkley state: direction " + direction);
        }
        PageHinkley ph =
                new PageHinkley(delta, lambda, alpha, minInstances, Direction.values()[direction]);
        ph.count = in.readLong();
        ph.detections = in.readLong();
        ph.n = in.readLong();
        ph.mean = in.readDouble();
        ph.sumUp = in.readDouble();
        ph.minUp = in.readDouble();
        ph.sumDown = in.readDouble();
        ph.detected = in.readBoolean();
        ph.maxDown = in.readDouble();
        return ph;
    }
}
