package io.hormesis.stats.forecast;

import io.hormesis.stats.StateBytes;
import org.apache.commons.statistics.distribution.NormalDistribution;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Additive Holt-Winters forecaster with an optionally damped additive trend, the state space model
 * ETS(A,Ad,A), updated online one observation at a time.
 *
 * <p>Error-correction form of Hyndman, Koehler, Ord &amp; Snyder, "Forecasting with Exponential
 * Smoothing" (2008), chapter 2, additive errors. With the one-step error {@code e = y - (l + phi b
 * + s[t-m])},
 *
 * <pre>
 *   l' = l + phi b + alpha e,   b' = phi b + beta e,   s'[t] = s[t-m] + gamma e.
 * </pre>
 *
 * <p>{@code beta} here is that book's {@code beta}; statsmodels' and fpp3's component-form {@code
 * smoothing_trend} is {@code beta* = beta / alpha}. {@code gamma} is the same in both forms.
 *
 * <p>Prediction intervals use the analytic variance of the book's class 1 (section 6.3, Table 6.1):
 * {@code v_h = sigma^2 (1 + sum_{j=1}^{h-1} c_j^2)} with {@code c_j = alpha + beta (phi + ... +
 * phi^j) + gamma [j mod m == 0]}, and {@code sigma^2} the mean of the squared one-step errors seen
 * so far (or their exponentially weighted mean, if an error weight is given).
 *
 * <p>Without given initial states the first two seasons ({@code 2m} observations) are buffered and
 * the states initialised from them: {@code b0 = (mean(season 2) - mean(season 1)) / m}, {@code l0 =
 * mean(season 1) - b0 (m + 1) / 2} (the level one step before the first observation), seasonal
 * state {@code i} the mean over both seasons of {@code y - (l0 + t b0)} at its positions, centred
 * to sum to zero. The buffered observations are then replayed through the filter, so they also feed
 * {@code sigma^2}. Until then {@link #isReady()} is false and forecasts are NaN.
 */
public final class HoltWinters {

    /** Format version of {@link #writeTo}, bumped whenever the layout changes. */
    private static final byte FORMAT = 1;

    private final double alpha;
    private final double beta;
    private final double gamma;
    private final double phi;
    private final int m;

    /** 0 for the plain mean of squared errors; otherwise the weight of the newest squared error. */
    private final double errorWeight;

    private double level;
    private double trend;

    /** Seasonal states; {@code seasonal[position]} is the one the next observation uses. */
    private final double[] seasonal;

    private int position;
    private boolean ready;

    /** The first two seasons while initialising, null once ready. */
    private double[] warmup;

    private int warmupCount;
    private long errorCount;
    private double meanSquaredError;

    /** A forecaster that initialises itself from its first two seasons. */
    public HoltWinters(double alpha, double beta, double gamma, double phi, int m) {
        this(alpha, beta, gamma, phi, m, 0.0);
    }

    /**
     * A forecaster that initialises itself from its first two seasons, with {@code sigma^2} an
     * exponentially weighted mean of squared one-step errors giving the newest weight {@code
     * errorWeight} (0 for the plain mean over all errors).
     */
    public HoltWinters(
            double alpha, double beta, double gamma, double phi, int m, double errorWeight) {
        checkParameters(alpha, beta, gamma, phi, m, errorWeight);
        this.alpha = alpha;
        this.beta = beta;
        this.gamma = gamma;
        this.phi = phi;
        this.m = m;
        this.errorWeight = errorWeight;
        this.seasonal = new double[m];
        this.warmup = new double[2 * m];
    }

    /**
     * A forecaster started from given states: {@code initialLevel} and {@code initialTrend} at time
     * 0, and {@code initialSeasonal[i]} the seasonal state the observation at time {@code i + 1}
     * uses (statsmodels' {@code initial_seasonal} order).
     */
    public static HoltWinters withInitialStates(
            double alpha,
            double beta,
            double gamma,
            double phi,
            double errorWeight,
            double initialLevel,
            double initialTrend,
            double[] initialSeasonal) {
        if (initialSeasonal == null || initialSeasonal.length < 1) {
            throw new IllegalArgumentException("initialSeasonal must hold m >= 1 states");
        }
        if (!Double.isFinite(initialLevel) || !Double.isFinite(initialTrend)) {
            throw new IllegalArgumentException(
                    "initial level and trend must be finite, got "
                            + initialLevel
                            + " and "
                            + initialTrend);
        }
        HoltWinters model =
                new HoltWinters(alpha, beta, gamma, phi, initialSeasonal.length, errorWeight);
        for (int i = 0; i < initialSeasonal.length; i++) {
            if (!Double.isFinite(initialSeasonal[i])) {
                throw new IllegalArgumentException(
                        "initialSeasonal[" + i + "] must be finite, got " + initialSeasonal[i]);
            }
            model.seasonal[i] = initialSeasonal[i];
        }
        model.level = initialLevel;
        model.trend = initialTrend;
        model.ready = true;
        model.warmup = null;
        return model;
    }

    private static void checkParameters(
            double alpha, double beta, double gamma, double phi, int m, double errorWeight) {
        if (!(alpha > 0.0 && alpha <= 1.0)) {
            throw new IllegalArgumentException("alpha must be in (0, 1], got " + alpha);
        }
        if (!(beta >= 0.0 && beta <= alpha)) {
            throw new IllegalArgumentException(
                    "beta must be in [0, alpha] = [0, " + alpha + "], got " + beta);
        }
        if (!(gamma >= 0.0 && gamma <= 1.0 - alpha)) {
            throw new IllegalArgumentException(
                    "gamma must be in [0, 1 - alpha] = [0, " + (1.0 - alpha) + "], got " + gamma);
        }
        if (!(phi > 0.0 && phi <= 1.0)) {
            throw new IllegalArgumentException("phi must be in (0, 1], got " + phi);
        }
        if (m < 1 || m > 1 << 16) {
            throw new IllegalArgumentException("season length m must be in [1, 65536], got " + m);
        }
        if (!(errorWeight >= 0.0 && errorWeight < 1.0)) {
            throw new IllegalArgumentException(
                    "errorWeight must be in [0, 1) (0 = plain mean), got " + errorWeight);
        }
    }

    /** Adds the next observation. */
    public void update(double y) {
        if (!Double.isFinite(y)) {
            throw new IllegalArgumentException("observation must be finite, got " + y);
        }
        if (!ready) {
            warmup[warmupCount++] = y;
            if (warmupCount == warmup.length) {
                initialiseFromWarmup();
            }
            return;
        }
        filter(y);
    }

    private void filter(double y) {
        double damped = phi * trend;
        double error = y - (level + damped + seasonal[position]);
        level = level + damped + alpha * error;
        trend = damped + beta * error;
        seasonal[position] += gamma * error;
        position = position + 1 == m ? 0 : position + 1;
        errorCount++;
        double squared = error * error;
        if (errorWeight == 0.0) {
            meanSquaredError += (squared - meanSquaredError) / errorCount;
        } else if (errorCount == 1) {
            meanSquaredError = squared;
        } else {
            meanSquaredError += errorWeight * (squared - meanSquaredError);
        }
    }

    private void initialiseFromWarmup() {
        double first = 0.0;
        double second = 0.0;
        for (int i = 0; i < m; i++) {
            first += warmup[i];
            second += warmup[m + i];
        }
        first /= m;
        second /= m;
        trend = (second - first) / m;
        level = first - trend * (m + 1) / 2.0;
        double centre = 0.0;
        for (int i = 0; i < m; i++) {
            double a = warmup[i] - (level + (i + 1) * trend);
            double b = warmup[m + i] - (level + (m + i + 1) * trend);
            seasonal[i] = (a + b) / 2.0;
            centre += seasonal[i];
        }
        centre /= m;
        for (int i = 0; i < m; i++) {
            seasonal[i] -= centre;
        }
        ready = true;
        double[] replay = warmup;
        warmup = null;
        warmupCount = 0;
        for (double y : replay) {
            filter(y);
        }
    }

    /** True once the states are initialised and forecasts are defined. */
    public boolean isReady() {
        return ready;
    }

    /** Point forecast {@code h >= 1} steps ahead of the last observation; NaN until ready. */
    public double forecast(int h) {
        checkHorizon(h);
        if (!ready) {
            return Double.NaN;
        }
        return level + dampedSum(h) * trend + seasonal[(position + (h - 1)) % m];
    }

    /** {@code phi + phi^2 + ... + phi^h}. */
    private double dampedSum(int h) {
        if (phi == 1.0) {
            return h;
        }
        return phi * (1.0 - Math.pow(phi, h)) / (1.0 - phi);
    }

    /**
     * Variance of the {@code h}-step forecast error, {@code sigma^2 (1 + sum_{j<h} c_j^2)} (Hyndman
     * et al. 2008, Table 6.1, class 1); NaN until ready and an error has been seen.
     */
    public double forecastVariance(int h) {
        checkHorizon(h);
        if (!ready || errorCount == 0) {
            return Double.NaN;
        }
        return meanSquaredError * varianceFactor(h);
    }

    /** {@code 1 + sum_{j=1}^{h-1} c_j^2}. */
    double varianceFactor(int h) {
        double sum = 1.0;
        double dampedSum = 0.0;
        double phiPower = 1.0;
        for (int j = 1; j < h; j++) {
            phiPower *= phi;
            dampedSum += phiPower;
            double c = alpha + beta * dampedSum + (j % m == 0 ? gamma : 0.0);
            sum += c * c;
        }
        return sum;
    }

    /**
     * Central prediction interval {@code {lower, upper}} for the observation {@code h} steps ahead,
     * at coverage {@code level} in (0, 1), assuming Gaussian errors.
     */
    public double[] interval(int h, double level) {
        if (!(level > 0.0 && level < 1.0)) {
            throw new IllegalArgumentException("level must be in (0, 1), got " + level);
        }
        double point = forecast(h);
        double halfWidth = normalQuantile((1.0 + level) / 2.0) * Math.sqrt(forecastVariance(h));
        return new double[] {point - halfWidth, point + halfWidth};
    }

    /**
     * Largest upper end of the level-{@code level} intervals for horizons 1 to {@code horizon},
     * equal to the maximum of {@code interval(h, level)[1]} but in O(horizon) time.
     */
    public double maxUpperBound(int horizon, double level) {
        checkHorizon(horizon);
        if (!(level > 0.0 && level < 1.0)) {
            throw new IllegalArgumentException("level must be in (0, 1), got " + level);
        }
        if (!ready || errorCount == 0) {
            return Double.NaN;
        }
        double z = normalQuantile((1.0 + level) / 2.0);
        // Same accumulation order as varianceFactor, so each bound equals interval(h)[1] exactly.
        double sum = 1.0;
        double dampedSum = 0.0;
        double phiPower = 1.0;
        double max = Double.NEGATIVE_INFINITY;
        for (int h = 1; h <= horizon; h++) {
            if (h > 1) {
                int j = h - 1;
                phiPower *= phi;
                dampedSum += phiPower;
                double c = alpha + beta * dampedSum + (j % m == 0 ? gamma : 0.0);
                sum += c * c;
            }
            double upper = forecast(h) + z * Math.sqrt(meanSquaredError * sum);
            max = Math.max(max, upper);
        }
        return max;
    }

    static double normalQuantile(double p) {
        return NormalDistribution.of(0.0, 1.0).inverseCumulativeProbability(p);
    }

    private static void checkHorizon(int h) {
        if (h < 1) {
            throw new IllegalArgumentException("horizon h must be >= 1, got " + h);
        }
    }

    /** Estimated one-step error variance {@code sigma^2}; NaN before the first error. */
    public double sigmaSquared() {
        return errorCount == 0 ? Double.NaN : meanSquaredError;
    }

    public double level() {
        return level;
    }

    public double trend() {
        return trend;
    }

    /** Seasonal state the observation {@code k >= 1} steps ahead uses. */
    public double seasonal(int k) {
        checkHorizon(k);
        return seasonal[(position + (k - 1)) % m];
    }

    public int seasonLength() {
        return m;
    }

    /** One-step errors seen so far (observations after initialisation, replay included). */
    public long errorCount() {
        return errorCount;
    }

    /** Writes the whole state, settings included. */
    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeDouble(alpha);
        out.writeDouble(beta);
        out.writeDouble(gamma);
        out.writeDouble(phi);
        out.writeInt(m);
        out.writeDouble(errorWeight);
        out.writeBoolean(ready);
        if (ready) {
            out.writeDouble(level);
            out.writeDouble(trend);
            for (double s : seasonal) {
                out.writeDouble(s);
            }
            out.writeInt(position);
            out.writeLong(errorCount);
            out.writeDouble(meanSquaredError);
        } else {
            out.writeInt(warmupCount);
            for (int i = 0; i < warmupCount; i++) {
                out.writeDouble(warmup[i]);
            }
        }
    }

    public static HoltWinters readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unknown HoltWinters state format " + format);
        }
        HoltWinters model;
        try {
            model =
                    new HoltWinters(
                            in.readDouble(),
                            in.readDouble(),
                            in.readDouble(),
                            in.readDouble(),
                            in.readInt(),
                            in.readDouble());
        } catch (IllegalArgumentException e) {
            throw new IOException("corrupt HoltWinters state: " + e.getMessage(), e);
        }
        if (in.readBoolean()) {
            model.ready = true;
            model.warmup = null;
            model.level = in.readDouble();
            model.trend = in.readDouble();
            for (int i = 0; i < model.m; i++) {
                model.seasonal[i] = in.readDouble();
            }
            model.position = in.readInt();
            model.errorCount = in.readLong();
            model.meanSquaredError = in.readDouble();
            if (model.position < 0 || model.position >= model.m) {
                throw new IOException("corrupt HoltWinters state: position " + model.position);
            }
        } else {
            int count = in.readInt();
            if (count < 0 || count >= model.warmup.length) {
                throw new IOException("corrupt HoltWinters state: warm-up count " + count);
            }
            for (int i = 0; i < count; i++) {
                model.warmup[i] = in.readDouble();
            }
            model.warmupCount = count;
        }
        return model;
    }

    /** The state as bytes ({@link #writeTo}). */
    public byte[] toBytes() {
        return StateBytes.write(this::writeTo, 64 + 16 * m);
    }

    public static HoltWinters fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, HoltWinters::readFrom);
    }

    /** Upper bound on {@link #toBytes()} length for season length {@code m}. */
    public static int maxSerializedBytes(int m) {
        // Ready: 58 + 8m + 24; initialising: 50 + 8 (2m - 1). Both below 82 + 16m.
        return 82 + 16 * m;
    }
}
