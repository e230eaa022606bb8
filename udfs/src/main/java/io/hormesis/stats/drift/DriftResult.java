package io.hormesis.stats.drift;

/**
 * The outcome of one drift test between a reference and a current sample: the statistic, its
 * p-value where the test has one (NaN otherwise), the threshold the decision used (a significance
 * level for tests with p-values, a statistic bound otherwise), the decision, and both sample sizes.
 */
public record DriftResult(
        String test,
        double statistic,
        double pValue,
        double threshold,
        Decision decision,
        long nReference,
        long nCurrent) {

    /** What a drift test concluded. */
    public enum Decision {
        DRIFT,
        NO_DRIFT,
        /** Either sample is smaller than the minimum: no claim either way. */
        INSUFFICIENT_DATA
    }

    /** The same result with another p-value and decision (after a multiple-testing correction). */
    public DriftResult withAdjusted(double adjustedP, Decision adjusted) {
        return new DriftResult(
                test, statistic, adjustedP, threshold, adjusted, nReference, nCurrent);
    }
}
