package io.hormesis.stats.anomaly;

import io.hormesis.stats.EwmaZScoreDetector;

/** The anomaly scorers Hormesis ships; {@link #standard()} is the one WATCH and SQL use. */
public final class AnomalyScorers {
    private AnomalyScorers() {}

    /** The default, benchmark-measured scorer for a new series. */
    public static AnomalyScorer standard() {
        EwmaZScoreDetector detector = new EwmaZScoreDetector(0.05, 4.0, 1, 30, 0.05);
        return (time, value) -> {
            if (!Double.isFinite(value)) {
                return 0.0;
            }
            EwmaZScoreDetector.Alarm alarm = detector.observe(time, value, null);
            return alarm == null ? 0.0 : alarm.score();
        };
    }
}
