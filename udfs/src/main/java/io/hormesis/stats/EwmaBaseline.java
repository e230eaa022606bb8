package io.hormesis.stats;

/**
 * Exponentially weighted moving mean and variance of one signal: a baseline that adapts, with a
 * half-life of about {@code ln 2 / alpha} observations.
 *
 * <p>Updates follow Finch, "Incremental calculation of weighted mean and variance" (2009), eqs.
 * 122-143: {@code d = x - mean; mean += alpha d; var = (1 - alpha)(var + alpha d^2)}. A public
 * no-argument constructor and bean accessors make it a Flink POJO, so it is kept in keyed state
 * without Kryo.
 */
public class EwmaBaseline {
    private double alpha;
    private double mean;
    private double variance;
    private long count;

    /** For serialization frameworks only. */
    public EwmaBaseline() {}

    public EwmaBaseline(double alpha) {
        if (!(alpha > 0.0 && alpha <= 1.0)) {
            throw new IllegalArgumentException("alpha must be in (0, 1], got " + alpha);
        }
        this.alpha = alpha;
    }

    /** Adds one observation; the first one sets the mean with zero variance. */
    public void update(double x) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("observation must be finite, got " + x);
        }
        if (count == 0) {
            mean = x;
            variance = 0.0;
        } else {
            double diff = x - mean;
            double increment = alpha * diff;
            mean += increment;
            variance = (1.0 - alpha) * (variance + diff * increment);
        }
        count++;
    }

    public double std() {
        return Math.sqrt(variance);
    }

    public double getAlpha() {
        return alpha;
    }

    public void setAlpha(double alpha) {
        this.alpha = alpha;
    }

    public double getMean() {
        return mean;
    }

    public void setMean(double mean) {
        this.mean = mean;
    }

    public double getVariance() {
        return variance;
    }

    public void setVariance(double variance) {
        this.variance = variance;
    }

    public long getCount() {
        return count;
    }

    public void setCount(long count) {
        this.count = count;
    }
}
