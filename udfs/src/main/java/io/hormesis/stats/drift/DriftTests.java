package io.hormesis.stats.drift;

import org.apache.commons.statistics.inference.ChiSquareTest;
import org.apache.commons.statistics.inference.SignificanceResult;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.DoublesSortedView;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.hipparchus.stat.inference.KolmogorovSmirnovTest;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;

/**
 * Distribution drift between a reference and a current sample, each of a numeric feature summarised
 * by a DataSketches {@link KllDoublesSketch} (exact while it holds fewer items than its k, a
 * mergeable approximation with a known rank error after that), or of a categorical feature given as
 * counts per category.
 *
 * <ul>
 *   <li>PSI, the population stability index, over bins cut at the reference's deciles (by default):
 *       sum of (c - r) ln(c / r) over bins, with empty bins given mass {@code epsilon}. Rule of
 *       thumb (Siddiqi, Credit Risk Scorecards, 2006): under 0.1 stable, 0.1 to 0.25 some shift,
 *       over 0.25 a significant shift; the default threshold is 0.25.
 *   <li>Jensen-Shannon divergence, base 2 (so in [0, 1]), on the same bins; scipy's {@code
 *       jensenshannon} is its square root.
 *   <li>Wasserstein-1 (earth mover's) distance, the area between the two CDFs, in the feature's
 *       units; its decision divides it by the reference's interquartile range.
 *   <li>Kolmogorov-Smirnov two-sample D, the largest gap between the two CDFs at any item of either
 *       sketch (exact for exact sketches; DataSketches' {@code computeKSDelta} is off by up to 1/n
 *       when values tie), with its p-value from Hipparchus ({@code exactP}, lattice paths in
 *       O(n*m), while n*m < 250,000; {@code approximateP}, the limiting Kolmogorov distribution,
 *       above).
 *   <li>Chi-square test of homogeneity of category counts (Commons Statistics {@code
 *       ChiSquareTest}).
 * </ul>
 *
 * Every test answers {@link DriftResult.Decision#INSUFFICIENT_DATA} when either sample is smaller
 * than {@code minSamples}. Immutable and thread-safe.
 */
public final class DriftTests {
    /** Below this n*m the exact two-sample p-value, above it the asymptotic one. */
    static final long EXACT_P_LIMIT = 250_000;

    private final int bins;
    private final double epsilon;
    private final long minSamples;
    private final double alpha;
    private final double psiThreshold;
    private final double jsThreshold;
    private final double wassersteinThreshold;

    /**
     * @param bins number of reference-quantile bins for PSI and Jensen-Shannon (at least 2)
     * @param epsilon mass given to an empty bin, in (0, 0.01]
     * @param minSamples smallest sample, per side, on which a test decides (at least 1)
     * @param alpha significance level of the tests with p-values
     * @param psiThreshold PSI at or above which a feature has drifted
     * @param jsThreshold Jensen-Shannon divergence at or above which a feature has drifted
     * @param wassersteinThreshold Wasserstein-1 distance, in reference interquartile ranges, at or
     *     above which a feature has drifted
     */
    public DriftTests(
            int bins,
            double epsilon,
            long minSamples,
            double alpha,
            double psiThreshold,
            double jsThreshold,
            double wassersteinThreshold) {
        if (bins < 2) {
            throw new IllegalArgumentException("bins must be >= 2, got " + bins);
        }
        if (!(epsilon > 0 && epsilon <= 0.01)) {
            throw new IllegalArgumentException("epsilon must be in (0, 0.01], got " + epsilon);
        }
        if (minSamples < 1) {
            throw new IllegalArgumentException("minSamples must be >= 1, got " + minSamples);
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
        }
        if (!(psiThreshold > 0) || !(jsThreshold > 0) || !(wassersteinThreshold > 0)) {
            throw new IllegalArgumentException("thresholds must be > 0");
        }
        this.bins = bins;
        this.epsilon = epsilon;
        this.minSamples = minSamples;
        this.alpha = alpha;
        this.psiThreshold = psiThreshold;
        this.jsThreshold = jsThreshold;
        this.wassersteinThreshold = wassersteinThreshold;
    }

    /** Ten bins, epsilon 1e-4, at least 100 per side, alpha 0.01, PSI 0.25, JS 0.1, W1 0.25 IQR. */
    public static DriftTests defaults() {
        return new DriftTests(10, 1e-4, 100, 0.01, 0.25, 0.1, 0.25);
    }

    public long minSamples() {
        return minSamples;
    }

    public double alpha() {
        return alpha;
    }

    private boolean tooSmall(long nReference, long nCurrent) {
        return nReference < minSamples || nCurrent < minSamples;
    }

    private DriftResult decide(
            String test,
            double statistic,
            double p,
            double threshold,
            boolean drift,
            long nReference,
            long nCurrent) {
        DriftResult.Decision decision =
                tooSmall(nReference, nCurrent)
                        ? DriftResult.Decision.INSUFFICIENT_DATA
                        : drift ? DriftResult.Decision.DRIFT : DriftResult.Decision.NO_DRIFT;
        return new DriftResult(test, statistic, p, threshold, decision, nReference, nCurrent);
    }

    /** Population stability index of {@code current} against {@code reference}. */
    public DriftResult psi(KllDoublesSketch reference, KllDoublesSketch current) {
        double psi = psiStatistic(reference, current);
        return decide(
                "psi",
                psi,
                Double.NaN,
                psiThreshold,
                psi >= psiThreshold,
                reference.getN(),
                current.getN());
    }

    /** Jensen-Shannon divergence (base 2) of the binned distributions. */
    public DriftResult jensenShannon(KllDoublesSketch reference, KllDoublesSketch current) {
        double js = jensenShannonStatistic(reference, current);
        return decide(
                "jensen_shannon",
                js,
                Double.NaN,
                jsThreshold,
                js >= jsThreshold,
                reference.getN(),
                current.getN());
    }

    /** Wasserstein-1 distance; the decision is on the distance over the reference's IQR. */
    public DriftResult wasserstein(KllDoublesSketch reference, KllDoublesSketch current) {
        double w = wassersteinStatistic(reference, current);
        boolean drift = false;
        if (!reference.isEmpty()) {
            double iqr = reference.getQuantile(0.75) - reference.getQuantile(0.25);
            drift = iqr > 0 ? w / iqr >= wassersteinThreshold : w > 0;
        }
        return decide(
                "wasserstein",
                w,
                Double.NaN,
                wassersteinThreshold,
                drift,
                reference.getN(),
                current.getN());
    }

    /** Two-sample Kolmogorov-Smirnov test. */
    public DriftResult kolmogorovSmirnov(KllDoublesSketch reference, KllDoublesSketch current) {
        long n = reference.getN();
        long m = current.getN();
        if (n == 0 || m == 0) {
            return decide("kolmogorov_smirnov", Double.NaN, Double.NaN, alpha, false, n, m);
        }
        double d = cdfGaps(reference, current)[1];
        double p = ksPValue(d, n, m);
        return decide("kolmogorov_smirnov", d, p, alpha, p < alpha, n, m);
    }

    /** P(D >= d) for two samples of sizes n and m under "same distribution" (Hipparchus). */
    static double ksPValue(double d, long n, long m) {
        KolmogorovSmirnovTest ks = new KolmogorovSmirnovTest();
        int ni = (int) Math.min(n, Integer.MAX_VALUE);
        int mi = (int) Math.min(m, Integer.MAX_VALUE);
        double p = n * m < EXACT_P_LIMIT ? ks.exactP(d, ni, mi, false) : ks.approximateP(d, ni, mi);
        return Math.min(1.0, Math.max(0.0, p));
    }

    /** Chi-square test of homogeneity of two category count maps. */
    public DriftResult chiSquare(Map<String, Long> reference, Map<String, Long> current) {
        TreeSet<String> categories = new TreeSet<>();
        reference.forEach((k, v) -> addIfPositive(categories, k, v));
        current.forEach((k, v) -> addIfPositive(categories, k, v));
        long n = reference.values().stream().mapToLong(Long::longValue).sum();
        long m = current.values().stream().mapToLong(Long::longValue).sum();
        if (categories.size() < 2 || n == 0 || m == 0) {
            // One category (or an empty side) cannot differ in its proportions.
            return decide("chi_square", 0.0, 1.0, alpha, false, n, m);
        }
        long[][] table = new long[2][categories.size()];
        int j = 0;
        for (String c : categories) {
            table[0][j] = reference.getOrDefault(c, 0L);
            table[1][j] = current.getOrDefault(c, 0L);
            j++;
        }
        SignificanceResult r = ChiSquareTest.withDefaults().test(table);
        return decide(
                "chi_square", r.getStatistic(), r.getPValue(), alpha, r.getPValue() < alpha, n, m);
    }

    private static void addIfPositive(TreeSet<String> categories, String k, Long v) {
        if (v == null || v < 0) {
            throw new IllegalArgumentException("category " + k + " has a negative count " + v);
        }
        if (v > 0) {
            categories.add(k);
        }
    }

    double psiStatistic(KllDoublesSketch reference, KllDoublesSketch current) {
        double[][] pq = binned(reference, current);
        double psi = 0;
        for (int i = 0; i < pq[0].length; i++) {
            double r = pq[0][i];
            double c = pq[1][i];
            psi += (c - r) * Math.log(c / r);
        }
        return psi;
    }

    double jensenShannonStatistic(KllDoublesSketch reference, KllDoublesSketch current) {
        double[][] pq = binned(reference, current);
        double js = 0;
        for (int i = 0; i < pq[0].length; i++) {
            double p = pq[0][i];
            double q = pq[1][i];
            double mid = 0.5 * (p + q);
            js += 0.5 * (p * log2(p / mid) + q * log2(q / mid));
        }
        return Math.max(0.0, Math.min(1.0, js));
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    /**
     * Bin masses of both samples over bins cut at the reference's {@code i / bins} quantiles
     * (duplicates dropped): bin i is (cut[i-1], cut[i]]. Empty bins get {@code epsilon} and each
     * row is renormalised to sum to 1.
     */
    double[][] binned(KllDoublesSketch reference, KllDoublesSketch current) {
        if (reference.isEmpty() || current.isEmpty()) {
            throw new IllegalArgumentException("both sketches must hold at least one value");
        }
        double[] ranks = new double[bins - 1];
        for (int i = 1; i < bins; i++) {
            ranks[i - 1] = (double) i / bins;
        }
        double[] cuts =
                Arrays.stream(reference.getQuantiles(ranks, QuantileSearchCriteria.INCLUSIVE))
                        .distinct()
                        .sorted()
                        .toArray();
        double[] p = smooth(reference.getPMF(cuts, QuantileSearchCriteria.INCLUSIVE));
        double[] q = smooth(current.getPMF(cuts, QuantileSearchCriteria.INCLUSIVE));
        return new double[][] {p, q};
    }

    private double[] smooth(double[] masses) {
        double sum = 0;
        double[] out = new double[masses.length];
        for (int i = 0; i < masses.length; i++) {
            out[i] = Math.max(masses[i], epsilon);
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    /** The area between the two empirical CDFs (exact for exact sketches). */
    static double wassersteinStatistic(KllDoublesSketch reference, KllDoublesSketch current) {
        return cdfGaps(reference, current)[0];
    }

    /**
     * One walk over the union of both sketches' items, in order: the area between the two CDFs and
     * their largest gap.
     */
    private static double[] cdfGaps(KllDoublesSketch reference, KllDoublesSketch current) {
        if (reference.isEmpty() || current.isEmpty()) {
            throw new IllegalArgumentException("both sketches must hold at least one value");
        }
        DoublesSortedView a = reference.getSortedView();
        DoublesSortedView b = current.getSortedView();
        double[] xa = a.getQuantiles();
        long[] wa = a.getCumulativeWeights();
        double[] xb = b.getQuantiles();
        long[] wb = b.getCumulativeWeights();
        double na = a.getN();
        double nb = b.getN();
        int i = 0;
        int j = 0;
        double fa = 0;
        double fb = 0;
        double previous = Math.min(xa[0], xb[0]);
        double area = 0;
        double largest = 0;
        while (i < xa.length || j < xb.length) {
            double x = j >= xb.length || (i < xa.length && xa[i] <= xb[j]) ? xa[i] : xb[j];
            area += Math.abs(fa - fb) * (x - previous);
            while (i < xa.length && xa[i] == x) {
                fa = wa[i] / na;
                i++;
            }
            while (j < xb.length && xb[j] == x) {
                fb = wb[j] / nb;
                j++;
            }
            largest = Math.max(largest, Math.abs(fa - fb));
            previous = x;
        }
        return new double[] {area, largest};
    }
}
