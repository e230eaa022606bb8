package io.hormesis.stats.forecast;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class HoltWintersTest {

    /**
     * 32 quarterly-like points (m = 4), drawn once in Python with numpy 2.4.6 as {@code round(50 +
     * 0.8 t + tile([6, -3, -8, 5]) + default_rng(20261123).normal(0, 2, 32), 2)}.
     */
    private static final double[] Y = {
        56.7, 54.79, 44.79, 56.16, 61.73, 51.18, 45.83, 64.27, 64.73, 54.39, 47.45, 64.01, 65.76,
        60.37, 54.33, 70.7, 70.39, 62.42, 58.15, 69.76, 68.86, 64.37, 58.89, 69.99, 73.84, 64.85,
        57.33, 77.72, 78.66, 68.71, 67.97, 78.68
    };

    private static final double[] INITIAL_SEASONAL = {5.5, -2.5, -7.5, 4.5};

    /*
     * Fitted values from statsmodels 0.15.0 (numpy 2.4.6):
     *   r = ExponentialSmoothing(Y, trend='add', damped_trend=D, seasonal='add',
     *         seasonal_periods=4, initialization_method='known', initial_level=48.0,
     *         initial_trend=0.7, initial_seasonal=[5.5, -2.5, -7.5, 4.5])
     *       .fit(smoothing_level=0.3, smoothing_trend=0.2, smoothing_seasonal=0.1,
     *            [damping_trend=0.9,] optimized=False)
     *   r.fittedvalues (one-step forecasts)
     * Its smoothing_trend is the component-form beta*, so beta = 0.3 * 0.2 = 0.06 here; its
     * smoothing_seasonal equals the error-correction gamma.
     *
     * Its r.forecast(h) is NOT used: in 0.15.0 it takes s_(n-m) instead of s_n at h = m, 2m, ...
     * (statsmodels issue #9538, fixed by PR #10230). The forecasts and 95% intervals below come
     * from statsmodels 0.15.0's ETSModel instead, whose fitted values agree with the above:
     *   mod = ETSModel(pd.Series(Y), error='add', trend='add', damped_trend=D, seasonal='add',
     *           seasonal_periods=4, initialization_method='known', initial_level=48.0,
     *           initial_trend=0.7, initial_seasonal=[5.5, -2.5, -7.5, 4.5])
     *   with mod.fix_params(dict(smoothing_level=0.3, smoothing_trend=0.06,
     *           smoothing_seasonal=0.1[, damping_trend=0.9])): r = mod.fit(disp=False)
     *   r.forecast(8); r.get_prediction(start=32, end=39).summary_frame(alpha=0.05)
     * (ETSModel's smoothing_trend is the error-correction beta; its sigma^2 is r.mse = SSE / n.)
     */
    private static final double[] FITTED_UNDAMPED = {
        54.2,
        47.8,
        46.16639999999999,
        58.94029599999999,
        60.376205439999985,
        54.33256972159998,
        48.46223053542399,
        60.28630967297535,
        64.13798514488278,
        57.34263338236502,
        51.52375949243829,
        63.42993076757053,
        65.57009383667327,
        57.92425959412731,
        53.561302608215996,
        67.62465861270648,
        70.86316814225476,
        63.59299169485068,
        58.1085835138318,
        72.27265552836987,
        73.23287109750589,
        64.24177529819337,
        58.86621972799951,
        72.36558237770933,
        72.78511142504541,
        65.80233177766543,
        59.957210102144145,
        72.12732523368574,
        75.46445980718283,
        69.23567399465892,
        63.68918167333143,
        79.50629537783112
    };
    private static final double[] FORECAST_UNDAMPED = {
        81.04548879955465, 73.66165044768869, 68.96078093382187, 82.93336004720116,
        84.80307162005712, 77.41923326819116, 72.71836375432434, 86.69094286770364
    };
    private static final double[] FITTED_DAMPED = {
        54.13,
        47.60677999999999,
        45.78484187999999,
        58.35345414647998,
        59.61432972605807,
        53.420319644203374,
        47.448410454521834,
        59.22182552939463,
        63.037711228120735,
        56.21467328550354,
        50.39232084927364,
        62.33013487110319,
        64.52347270857447,
        56.93857915615569,
        52.61903142140344,
        66.70029559566137,
        69.92724300651719,
        62.63171654091777,
        57.12226088429925,
        71.25810607934469,
        72.21274248726485,
        63.25673604697012,
        57.93672455154307,
        71.49482909149044,
        71.98908658044064,
        65.07616643811039,
        59.29784772746134,
        71.53963288645853,
        74.91526930633306,
        68.68127372974868,
        63.10565754127711,
        78.85122206502749
    };
    private static final double[] LOWER_UNDAMPED = {
        75.63597202208187, 67.91227309473977, 62.7787658476156, 76.22817726215251,
        77.25684418801085, 69.20460106146143, 63.76140616633688, 76.92380603256225
    };
    private static final double[] UPPER_UNDAMPED = {
        86.45500557702742, 79.4110278006376, 75.14279602002813, 89.63854283224981,
        92.3492990521034, 85.6338654749209, 81.6753213423118, 96.45807970284503
    };
    private static final double[] LOWER_DAMPED = {
        74.78851890921482, 66.7306658788529, 61.22702189904697, 74.28395163794913,
        74.85155694173199, 66.39330153663747, 60.55368252082534, 73.33271843648096
    };
    private static final double[] UPPER_DAMPED = {
        85.83188712282322, 78.44557165223233, 73.75724405124083, 87.74881198285546,
        89.7894165188005, 82.40144668009276, 77.68724304654296, 91.63103883969607
    };
    private static final double[] FORECAST_DAMPED = {
        80.31020301601902, 72.58811876554262, 67.4921329751439, 81.0163818104023,
        82.32048673026624, 74.39737410836511, 69.12046278368415, 82.48187863808852
    };

    @Test
    void matchesStatsmodelsWithAnAdditiveTrend() {
        assertMatchesStatsmodels(
                1.0, FITTED_UNDAMPED, FORECAST_UNDAMPED, LOWER_UNDAMPED, UPPER_UNDAMPED);
    }

    @Test
    void matchesStatsmodelsWithADampedTrend() {
        assertMatchesStatsmodels(0.9, FITTED_DAMPED, FORECAST_DAMPED, LOWER_DAMPED, UPPER_DAMPED);
    }

    private static void assertMatchesStatsmodels(
            double phi, double[] fitted, double[] forecasts, double[] lower, double[] upper) {
        HoltWinters model =
                HoltWinters.withInitialStates(
                        0.3, 0.3 * 0.2, 0.1, phi, 0.0, 48.0, 0.7, INITIAL_SEASONAL.clone());
        double sse = 0;
        for (int t = 0; t < Y.length; t++) {
            assertThat(model.forecast(1))
                    .as("fitted value %d", t)
                    .isCloseTo(fitted[t], within(1e-9));
            sse += (Y[t] - fitted[t]) * (Y[t] - fitted[t]);
            model.update(Y[t]);
        }
        for (int h = 1; h <= forecasts.length; h++) {
            assertThat(model.forecast(h))
                    .as("forecast h=%d", h)
                    .isCloseTo(forecasts[h - 1], within(1e-9));
        }
        // sigma^2 is the plain mean of squared one-step errors (ETSModel's r.mse = SSE / n).
        assertThat(model.sigmaSquared()).isCloseTo(sse / Y.length, within(1e-9));
    }

    @Test
    void intervalVarianceEqualsTheClosedFormsOfFpp3Section87() {
        // Closed forms from Hyndman & Athanasopoulos, "Forecasting: Principles and Practice",
        // 3rd ed., section 8.7, table of forecast variances of the additive ETS models, evaluated
        // here independently of the summation HoltWinters uses (2008, Table 6.1).
        double alpha = 0.3;
        double beta = 0.06;
        double gamma = 0.1;
        int m = 4;
        for (double phi : new double[] {1.0, 0.9, 0.8}) {
            HoltWinters model =
                    HoltWinters.withInitialStates(
                            alpha, beta, gamma, phi, 0.0, 48.0, 0.7, INITIAL_SEASONAL.clone());
            for (double y : Y) {
                model.update(y);
            }
            double sigma2 = model.sigmaSquared();
            for (int h = 1; h <= 30; h++) {
                double expected =
                        sigma2
                                * (phi == 1.0
                                        ? additiveFactor(alpha, beta, gamma, m, h)
                                        : dampedFactor(alpha, beta, gamma, phi, m, h));
                assertThat(model.forecastVariance(h))
                        .as("phi=%s h=%d", phi, h)
                        .isCloseTo(expected, within(1e-9 * expected));
                double[] interval = model.interval(h, 0.95);
                // z_{0.975} = 1.959963984540054 (scipy.stats.norm.ppf(0.975), scipy 1.16).
                double halfWidth = 1.959963984540054 * Math.sqrt(expected);
                assertThat(interval[0]).isCloseTo(model.forecast(h) - halfWidth, within(1e-9));
                assertThat(interval[1]).isCloseTo(model.forecast(h) + halfWidth, within(1e-9));
            }
        }
    }

    /** fpp3 section 8.7 variance table, ETS(A,A,A). */
    private static double additiveFactor(double a, double b, double g, int m, int h) {
        int k = (h - 1) / m;
        return 1
                + (h - 1) * (a * a + a * b * h + b * b * h * (2.0 * h - 1) / 6.0)
                + g * k * (2 * a + g + b * m * (k + 1));
    }

    /** fpp3 section 8.7 variance table, ETS(A,Ad,A). */
    private static double dampedFactor(double a, double b, double g, double p, int m, int h) {
        int k = (h - 1) / m;
        double q = 1 - p;
        return 1
                + a * a * (h - 1)
                + g * k * (2 * a + g)
                + b * p * h / (q * q) * (2 * a * q + b * p)
                - b
                        * p
                        * (1 - Math.pow(p, h))
                        / (q * q * (1 - p * p))
                        * (2 * a * (1 - p * p) + b * p * (1 + 2 * p - Math.pow(p, h)))
                + 2
                        * b
                        * g
                        * p
                        / (q * (1 - Math.pow(p, m)))
                        * (k * (1 - Math.pow(p, m)) - Math.pow(p, m) * (1 - Math.pow(p, m * k)));
    }

    @Test
    void maxUpperBoundIsTheLargestIntervalUpperEnd() {
        for (double phi : new double[] {1.0, 0.9}) {
            HoltWinters model =
                    HoltWinters.withInitialStates(
                            0.3, 0.06, 0.1, phi, 0.0, 48.0, 0.7, INITIAL_SEASONAL.clone());
            assertThat(model.maxUpperBound(5, 0.9)).isNaN(); // no error seen yet
            for (double y : Y) {
                model.update(y);
            }
            for (int horizon = 1; horizon <= 20; horizon++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int h = 1; h <= horizon; h++) {
                    max = Math.max(max, model.interval(h, 0.8)[1]);
                }
                assertThat(model.maxUpperBound(horizon, 0.8)).isEqualTo(max);
            }
        }
    }

    @Test
    void ninetyFivePercentIntervalsCoverSimulatedEtsData() {
        // Target coverage 0.95; over 40,000 forecasts the binomial standard error is 0.0011, and
        // neighbouring h-step errors are correlated, so we allow +-0.01.
        int[] horizons = {1, 6, 13};
        double[] measured = simulatedEtsCoverage(horizons, 42);
        for (int i = 0; i < horizons.length; i++) {
            assertThat(measured[i])
                    .as("coverage at h=%d", horizons[i])
                    .isCloseTo(0.95, within(0.01));
        }
        assertThat(measured[horizons.length]).as("sigma^2").isCloseTo(1.0, within(0.03));
    }

    /**
     * Seeded ETS(A,A,A) simulation (error-correction form, sigma = 1, m = 12, 40,000 steps) with
     * the model run at the true parameters and initial states: the share of observations inside
     * their 95% interval made {@code h} steps earlier, for each horizon, then the model's final
     * sigma^2. Also run by {@link ForecastFiguresRun}.
     */
    static double[] simulatedEtsCoverage(int[] horizons, long seed) {
        double alpha = 0.2;
        double beta = 0.02;
        double gamma = 0.15;
        int m = 12;
        double[] season = new double[m];
        for (int i = 0; i < m; i++) {
            season[i] = 10 * Math.sin(2 * Math.PI * i / m);
        }
        Random random = new Random(seed);
        double level = 100;
        double trend = 0.1;
        double[] s = season.clone();
        HoltWinters model =
                HoltWinters.withInitialStates(alpha, beta, gamma, 1.0, 0.0, level, trend, season);
        int n = 40_000;
        int longest = Arrays.stream(horizons).max().orElse(1);
        double[][] upper = new double[horizons.length][n + longest];
        double[][] lower = new double[horizons.length][n + longest];
        int[] covered = new int[horizons.length];
        int[] total = new int[horizons.length];
        for (int t = 0; t < n; t++) {
            double error = random.nextGaussian();
            int pos = t % m;
            double y = level + trend + s[pos] + error;
            level = level + trend + alpha * error;
            trend = trend + beta * error;
            s[pos] += gamma * error;
            for (int i = 0; i < horizons.length; i++) {
                if (t >= 1000 && lower[i][t] != 0) {
                    total[i]++;
                    if (y >= lower[i][t] && y <= upper[i][t]) {
                        covered[i]++;
                    }
                }
            }
            model.update(y);
            for (int i = 0; i < horizons.length; i++) {
                double[] interval = model.interval(horizons[i], 0.95);
                lower[i][t + horizons[i]] = interval[0];
                upper[i][t + horizons[i]] = interval[1];
            }
        }
        double[] result = new double[horizons.length + 1];
        for (int i = 0; i < horizons.length; i++) {
            result[i] = covered[i] / (double) total[i];
        }
        result[horizons.length] = model.sigmaSquared();
        return result;
    }

    @Test
    void initialisesExactlyFromTwoNoiselessSeasons() {
        // y_t = 10 + 2 t + s_(t mod 3) with s = (4, -1, -3): by construction b0 = 2, l0 = 10, and
        // every later one-step error is zero.
        double[] s = {4, -1, -3};
        HoltWinters model = new HoltWinters(0.4, 0.1, 0.2, 1.0, 3);
        for (int t = 1; t <= 6; t++) {
            assertThat(model.isReady()).isFalse();
            assertThat(model.forecast(1)).isNaN();
            model.update(10 + 2.0 * t + s[(t - 1) % 3]);
        }
        assertThat(model.isReady()).isTrue();
        assertThat(model.level()).isCloseTo(10 + 2.0 * 6, within(1e-12));
        assertThat(model.trend()).isCloseTo(2.0, within(1e-12));
        assertThat(model.sigmaSquared()).isCloseTo(0.0, within(1e-20));
        for (int h = 1; h <= 7; h++) {
            int t = 6 + h;
            assertThat(model.forecast(h)).isCloseTo(10 + 2.0 * t + s[(t - 1) % 3], within(1e-9));
        }
    }

    @Test
    void restoredModelContinuesBitForBitInWarmupAndAfter() {
        Random random = new Random(7);
        for (int cut : new int[] {0, 5, 24, 100}) {
            HoltWinters original = new HoltWinters(0.25, 0.05, 0.1, 0.95, 12, 0.01);
            for (int t = 0; t < cut; t++) {
                original.update(50 + 10 * Math.sin(t / 2.0) + random.nextGaussian());
            }
            HoltWinters restored = HoltWinters.fromBytes(original.toBytes());
            for (int t = 0; t < 200; t++) {
                double y = 50 + 10 * Math.sin(t / 2.0) + random.nextGaussian();
                original.update(y);
                restored.update(y);
                assertThat(restored.toBytes()).isEqualTo(original.toBytes());
                assertThat(Double.doubleToRawLongBits(restored.forecast(5)))
                        .isEqualTo(Double.doubleToRawLongBits(original.forecast(5)));
                assertThat(Arrays.equals(restored.interval(7, 0.9), original.interval(7, 0.9)))
                        .isTrue();
            }
        }
    }

    @Test
    void serializedSizeStaysWithinItsBound() {
        for (int m : new int[] {1, 4, 24, 144}) {
            HoltWinters model = new HoltWinters(0.3, 0.05, 0.1, 0.9, m);
            int max = 0;
            for (int t = 0; t < 5 * m + 10; t++) {
                model.update(t % 7);
                max = Math.max(max, model.toBytes().length);
            }
            assertThat(max).isLessThanOrEqualTo(HoltWinters.maxSerializedBytes(m));
        }
        // A day of 10-minute buckets: 144 seasonal states, under 2.4 KiB.
        assertThat(HoltWinters.maxSerializedBytes(144)).isLessThan(2400);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new HoltWinters(0, 0, 0, 1, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha");
        assertThatThrownBy(() -> new HoltWinters(0.3, 0.4, 0, 1, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("beta");
        assertThatThrownBy(() -> new HoltWinters(0.3, 0.1, 0.8, 1, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gamma");
        assertThatThrownBy(() -> new HoltWinters(0.3, 0.1, 0.1, 1.1, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("phi");
        assertThatThrownBy(() -> new HoltWinters(0.3, 0.1, 0.1, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("season length");
        HoltWinters model = new HoltWinters(0.3, 0.1, 0.1, 1, 4);
        assertThatThrownBy(() -> model.forecast(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> model.interval(1, 1.0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("level");
        assertThatThrownBy(() -> model.update(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
