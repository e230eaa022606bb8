package io.hormesis.stats.anomaly;

/** The anomaly scorers Hormesis ships; {@link #standard()} is the one WATCH and SQL use. */
public final class AnomalyScorers {
    private AnomalyScorers() {}

    /** The default, NAB-measured scorer for a new series. */
    public static AnomalyScorer standard() {
        return new TailProbabilityScorer(TailProbabilityScorer.Settings.defaults());
    }
}
