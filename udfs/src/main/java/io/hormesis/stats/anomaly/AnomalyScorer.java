package io.hormesis.stats.anomaly;

/**
 * Scores each observation of one series, in time order, with an anomaly score in [0, 1] that is
 * calibrated so one threshold works across very different series. Stateful: one instance per
 * series.
 */
public interface AnomalyScorer {
    /**
     * Adds one observation and returns its anomaly score in [0, 1].
     *
     * @param timestampMillis event time of the observation; non-decreasing across calls
     * @param value the observation; non-finite values score 0 and are not learned
     */
    double score(long timestampMillis, double value);
}
