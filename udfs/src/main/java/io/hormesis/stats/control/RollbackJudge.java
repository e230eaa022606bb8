package io.hormesis.stats.control;

import org.apache.commons.statistics.inference.AlternativeHypothesis;
import org.apache.commons.statistics.inference.MannWhitneyUTest;

import java.util.Arrays;
import java.util.Locale;

/**
 * The statistical judge of a canary, as Kayenta's Mann-Whitney judge: compares a new version's
 * recent samples of one metric (latency, error indicator, prediction score) with its predecessor's
 * baseline sample and answers PASS, FAIL or INCONCLUSIVE.
 *
 * <ul>
 *   <li>INCONCLUSIVE when either side has fewer than {@code minSamples} values: too little evidence
 *       to act either way.
 *   <li>FAIL when the Mann-Whitney U test (Apache Commons Statistics, p-value by its {@code AUTO}
 *       method, continuity-corrected normal approximation with tie correction for larger or tied
 *       samples) rejects "no worse" at {@code alpha}, and the relative shift of the candidate's
 *       centre from the baseline's is at least {@code minRelativeShift} in the bad direction. A
 *       significant but tiny shift is not worth a rollback.
 *   <li>PASS otherwise.
 * </ul>
 *
 * <p>The centre is the median for continuous metrics and the mean for 0/1 indicators, whose median
 * is 0 for any error rate under 50 %.
 */
public final class RollbackJudge {

    /** Kayenta's three outcomes. */
    public enum Outcome {
        PASS,
        FAIL,
        INCONCLUSIVE
    }

    /** Which change of a metric is bad. */
    public enum Worse {
        /** Latency, error rate: a higher candidate is worse. */
        HIGHER,
        /** Throughput-like metrics: a lower candidate is worse. */
        LOWER,
        /** Prediction-score distributions: any shift is worse. */
        EITHER
    }

    /** How the centre of each sample is measured for the effect size. */
    public enum Centre {
        MEDIAN,
        MEAN
    }

    /**
     * A verdict with its evidence.
     *
     * @param statistic the U statistic of the candidate sample (0 when inconclusive)
     * @param pValue the p-value (NaN when inconclusive)
     * @param relativeShift (candidate centre - baseline centre) / |baseline centre|
     */
    public record Verdict(
            Outcome outcome,
            double statistic,
            double pValue,
            int baselineSize,
            int candidateSize,
            double relativeShift,
            String reason) {}

    private final int minSamples;
    private final double alpha;
    private final double minRelativeShift;

    /**
     * @param minSamples least number of values on each side, >= 1
     * @param alpha significance level, in (0, 1)
     * @param minRelativeShift least relative shift of the centres that counts as a regression
     */
    public RollbackJudge(int minSamples, double alpha, double minRelativeShift) {
        if (minSamples < 1) {
            throw new IllegalArgumentException("minSamples must be >= 1, got " + minSamples);
        }
        if (!(alpha > 0.0 && alpha < 1.0)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
        }
        if (!(minRelativeShift >= 0.0) || Double.isInfinite(minRelativeShift)) {
            throw new IllegalArgumentException(
                    "minRelativeShift must be finite and >= 0, got " + minRelativeShift);
        }
        this.minSamples = minSamples;
        this.alpha = alpha;
        this.minRelativeShift = minRelativeShift;
    }

    /** Judges {@code candidate} against {@code baseline}; neither array is modified. */
    public Verdict judge(double[] baseline, double[] candidate, Worse worse, Centre centre) {
        if (baseline == null || candidate == null || worse == null || centre == null) {
            throw new IllegalArgumentException(
                    "baseline, candidate, worse and centre are required");
        }
        checkFinite(baseline, "baseline");
        checkFinite(candidate, "candidate");
        int nb = baseline.length;
        int nc = candidate.length;
        if (nb < minSamples || nc < minSamples) {
            return new Verdict(
                    Outcome.INCONCLUSIVE,
                    0.0,
                    Double.NaN,
                    nb,
                    nc,
                    Double.NaN,
                    "inconclusive: "
                            + nb
                            + " baseline and "
                            + nc
                            + " candidate samples, need "
                            + minSamples
                            + " each");
        }
        AlternativeHypothesis alternative =
                switch (worse) {
                    case HIGHER -> AlternativeHypothesis.GREATER_THAN;
                    case LOWER -> AlternativeHypothesis.LESS_THAN;
                    case EITHER -> AlternativeHypothesis.TWO_SIDED;
                };
        MannWhitneyUTest.Result result =
                MannWhitneyUTest.withDefaults().with(alternative).test(candidate, baseline);
        double b = centre(baseline, centre);
        double c = centre(candidate, centre);
        double shift;
        if (b != 0.0) {
            shift = (c - b) / Math.abs(b);
        } else {
            shift = c == 0.0 ? 0.0 : Math.copySign(Double.POSITIVE_INFINITY, c);
        }
        boolean bad =
                switch (worse) {
                    case HIGHER -> shift >= minRelativeShift;
                    case LOWER -> -shift >= minRelativeShift;
                    case EITHER -> Math.abs(shift) >= minRelativeShift;
                };
        boolean significant = result.getPValue() < alpha;
        String evidence =
                String.format(
                        Locale.ROOT,
                        "U=%.1f p=%.3g (alpha %.3g), n=%d/%d, %s %.4g -> %.4g (shift %+.1f%%, min %.1f%%)",
                        result.getStatistic(),
                        result.getPValue(),
                        alpha,
                        nb,
                        nc,
                        centre.name().toLowerCase(Locale.ROOT),
                        b,
                        c,
                        100 * shift,
                        100 * minRelativeShift);
        Outcome outcome = significant && bad ? Outcome.FAIL : Outcome.PASS;
        String why =
                outcome == Outcome.FAIL
                        ? "fail: candidate significantly worse"
                        : significant
                                ? "pass: difference significant but below the minimum shift"
                                : "pass: no significant difference";
        return new Verdict(
                outcome,
                result.getStatistic(),
                result.getPValue(),
                nb,
                nc,
                shift,
                why + "; " + evidence);
    }

    private static double centre(double[] xs, Centre centre) {
        if (centre == Centre.MEAN) {
            double sum = 0.0;
            for (double x : xs) {
                sum += x;
            }
            return sum / xs.length;
        }
        double[] sorted = xs.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    private static void checkFinite(double[] xs, String what) {
        for (double x : xs) {
            if (!Double.isFinite(x)) {
                throw new IllegalArgumentException(what + " values must be finite, got " + x);
            }
        }
    }
}
