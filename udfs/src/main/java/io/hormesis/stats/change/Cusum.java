package io.hormesis.stats.change;

import io.hormesis.stats.StateBytes;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The tabular two-sided CUSUM for a shift of the mean of an in-control level {@code mu0} with
 * spread {@code sigma} (Montgomery, Introduction to Statistical Quality Control, 6th ed., sec.
 * 9.1.2): {@code C+ = max(0, x - (mu0 + K) + C+)}, {@code C- = max(0, (mu0 - K) - x + C-)} with
 * {@code K = k sigma}, and a change when either exceeds {@code H = h sigma}. The usual design
 * {@code k = 0.5, h = 5} detects a one-sigma shift in about ten observations and raises a false
 * alarm about once in 465.
 *
 * <p>{@code mu0} and {@code sigma} are either given or learned from the first {@code warmup}
 * observations (sample mean and standard deviation; the warm-up is extended while the sample
 * standard deviation is 0). With {@code restartAfterSignal}, both sums restart at 0 on the
 * observation after a change, as Montgomery recommends once the cause is dealt with; otherwise they
 * go on, and every observation while a sum stays above H is reported.
 */
public final class Cusum implements ChangeDetector {
    private static final int VERSION = 1;

    /** Exact length of {@link #toBytes()}. */
    static final int SERIALIZED_BYTES = 1 + 8 + 8 + 4 + 1 + 10 * 8 + 1;

    private final double k;
    private final double h;
    private final int warmup;
    private final boolean restartAfterSignal;

    /** Given, or learned: then NaN until the warm-up is over. */
    private double mu0;

    private double sigma;
    private long count;
    private long detections;

    /** Welford's running mean and sum of squared deviations over the warm-up. */
    private double warmupMean;

    private double warmupSquares;
    private double upper;
    private double lower;
    private long upperRun;
    private long lowerRun;
    private boolean signalled;

    /**
     * A CUSUM of known in-control mean and spread.
     *
     * @param mu0 in-control mean
     * @param sigma in-control standard deviation, {@code > 0}
     * @param k reference value in sigmas, {@code >= 0}; half the shift to detect
     * @param h decision interval in sigmas, {@code > 0}
     */
    public Cusum(double mu0, double sigma, double k, double h, boolean restartAfterSignal) {
        this(k, h, 0, restartAfterSignal);
        if (!Double.isFinite(mu0)) {
            throw new IllegalArgumentException("mu0 must be finite, got " + mu0);
        }
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("sigma must be finite and > 0, got " + sigma);
        }
        this.mu0 = mu0;
        this.sigma = sigma;
    }

    private Cusum(double k, double h, int warmup, boolean restartAfterSignal) {
        if (!(k >= 0) || Double.isInfinite(k)) {
            throw new IllegalArgumentException("k must be finite and >= 0, got " + k);
        }
        if (!(h > 0) || Double.isInfinite(h)) {
            throw new IllegalArgumentException("h must be finite and > 0, got " + h);
        }
        this.k = k;
        this.h = h;
        this.warmup = warmup;
        this.restartAfterSignal = restartAfterSignal;
        this.mu0 = Double.NaN;
        this.sigma = Double.NaN;
    }

    /**
     * A CUSUM that learns {@code mu0} and {@code sigma} from its first {@code warmup} observations,
     * which are not monitored.
     *
     * @param warmup observations to learn from, {@code >= 2}
     */
    public static Cusum learning(int warmup, double k, double h, boolean restartAfterSignal) {
        if (warmup < 2) {
            throw new IllegalArgumentException("warmup must be >= 2, got " + warmup);
        }
        return new Cusum(k, h, warmup, restartAfterSignal);
    }

    @Override
    public boolean update(double x) {
        StateBytes.checkFinite(x);
        count++;
        if (Double.isNaN(sigma)) {
            learn(x);
            return false;
        }
        if (signalled) {
            signalled = false;
            if (restartAfterSignal) {
                upper = 0;
                lower = 0;
                upperRun = 0;
                lowerRun = 0;
            }
        }
        double slack = k * sigma;
        upper = Math.max(0, x - (mu0 + slack) + upper);
        lower = Math.max(0, (mu0 - slack) - x + lower);
        upperRun = upper > 0 ? upperRun + 1 : 0;
        lowerRun = lower > 0 ? lowerRun + 1 : 0;
        double limit = h * sigma;
        signalled = upper > limit || lower > limit;
        if (signalled) {
            detections++;
        }
        return signalled;
    }

    private void learn(double x) {
        double d = x - warmupMean;
        warmupMean += d / count;
        warmupSquares += d * (x - warmupMean);
        if (count >= warmup && warmupSquares > 0) {
            mu0 = warmupMean;
            sigma = Math.sqrt(warmupSquares / (count - 1));
        }
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public void reset() {
        count = 0;
        detections = 0;
        upper = 0;
        lower = 0;
        upperRun = 0;
        lowerRun = 0;
        signalled = false;
        if (warmup > 0) {
            mu0 = Double.NaN;
            sigma = Double.NaN;
            warmupMean = 0;
            warmupSquares = 0;
        }
    }

    /** {@code C+}, in units of the observations. */
    public double upper() {
        return upper;
    }

    /** {@code C-}, in units of the observations. */
    public double lower() {
        return lower;
    }

    /** {@code N+}: consecutive observations for which {@code C+} has been above 0. */
    public long upperRun() {
        return upperRun;
    }

    /** {@code N-}: consecutive observations for which {@code C-} has been above 0. */
    public long lowerRun() {
        return lowerRun;
    }

    /**
     * Montgomery's estimate of the shifted mean (eq. 9.4): {@code mu0 + K + C+/N+} when the upper
     * sum is above H, {@code mu0 - K - C-/N-} when the lower one is, else {@code mu0}.
     */
    public double shiftedMean() {
        double limit = h * sigma;
        if (upper > limit) {
            return mu0 + k * sigma + upper / upperRun;
        }
        if (lower > limit) {
            return mu0 - k * sigma - lower / lowerRun;
        }
        return mu0;
    }

    /** In-control mean; NaN while it is being learned. */
    public double mu0() {
        return mu0;
    }

    /** In-control standard deviation; NaN while it is being learned. */
    public double sigma() {
        return sigma;
    }

    /** Observations at which a change was raised so far. */
    public long detections() {
        return detections;
    }

    public byte[] toBytes() {
        return StateBytes.write(this::writeTo, SERIALIZED_BYTES);
    }

    public static Cusum fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, Cusum::readFrom);
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(VERSION);
        out.writeDouble(k);
        out.writeDouble(h);
        out.writeInt(warmup);
        out.writeBoolean(restartAfterSignal);
        out.writeDouble(mu0);
        out.writeDouble(sigma);
        out.writeLong(count);
        out.writeLong(detections);
        out.writeDouble(warmupMean);
        out.writeDouble(warmupSquares);
        out.writeDouble(upper);
        out.writeDouble(lower);
        out.writeLong(upperRun);
        out.writeLong(lowerRun);
        out.writeBoolean(signalled);
    }

    public static Cusum readFrom(DataInput in) throws IOException {
        StateBytes.checkVersion(in, VERSION, "Cusum");
        double k = in.readDouble();
        double h = in.readDouble();
        int warmup = in.readInt();
        if (warmup < 0) {
            throw new IllegalArgumentException("corrupt Cusum state: warmup " + warmup);
        }
        Cusum cusum = new Cusum(k, h, warmup, in.readBoolean());
        cusum.mu0 = in.readDouble();
        cusum.sigma = in.readDouble();
        cusum.count = in.readLong();
        cusum.detections = in.readLong();
        cusum.warmupMean = in.readDouble();
        cusum.warmupSquares = in.readDouble();
        cusum.upper = in.readDouble();
        cusum.lower = in.readDouble();
        cusum.upperRun = in.readLong();
        cusum.lowerRun = in.readLong();
        cusum.signalled = in.readBoolean();
        return cusum;
    }
}
