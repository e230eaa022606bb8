package io.hormesis.stats;

import org.apache.commons.statistics.distribution.NormalDistribution;

import java.util.Arrays;

/**
 * Flags a sustained upward shift of a signal against its {@link EwmaBaseline}: an alarm when {@code
 * consecutive} observations in a row lie more than {@code zThreshold} spreads above the baseline,
 * after a warm-up. It fires once per episode and re-arms when an observation falls back under the
 * threshold.
 *
 * <p>The baseline is frozen while a run of exceedances has not yet raised an alarm, so isolated
 * outliers and the first requests of a regression teach it nothing. Once the alarm is raised the
 * baseline learns again, so a lasting level shift becomes the new normal within about {@code
 * 1/alpha} observations and the detector re-arms. (Feeding exceedances in clipped to the threshold
 * instead inflates the EWMA variance by {@code (1 - alpha)(1 + alpha z^2)}, about 1.7x per
 * exceedance at alpha 0.05 and z 4, and hides the regression it should report.) A Flink POJO.
 */
public class EwmaZScoreDetector {
    /** Detector name carried in evidence. */
    public static final String NAME = "ewma-zscore";

    private static final NormalDistribution STANDARD_NORMAL = NormalDistribution.of(0, 1);

    private EwmaBaseline baseline;
    private double zThreshold;
    private int consecutive;
    private int warmup;
    private double relativeSpreadFloor;
    private int run;
    private long runStartMillis;
    private String[] runIds;
    private boolean alarmed;

    /** For serialization frameworks only. */
    public EwmaZScoreDetector() {}

    /**
     * @param alpha EWMA weight of a new observation, in (0, 1]
     * @param zThreshold spreads above the mean that count as an exceedance
     * @param consecutive exceedances in a row that raise an alarm
     * @param warmup observations before any alarm
     * @param relativeSpreadFloor the spread used is at least this fraction of |mean|, so a
     *     near-constant signal does not alarm on tiny moves
     */
    public EwmaZScoreDetector(
            double alpha,
            double zThreshold,
            int consecutive,
            int warmup,
            double relativeSpreadFloor) {
        if (!(zThreshold > 0)) {
            throw new IllegalArgumentException("zThreshold must be > 0, got " + zThreshold);
        }
        if (consecutive < 1) {
            throw new IllegalArgumentException("consecutive must be >= 1, got " + consecutive);
        }
        if (warmup < 2) {
            throw new IllegalArgumentException("warmup must be >= 2, got " + warmup);
        }
        if (!(relativeSpreadFloor >= 0)) {
            throw new IllegalArgumentException(
                    "relativeSpreadFloor must be >= 0, got " + relativeSpreadFloor);
        }
        this.baseline = new EwmaBaseline(alpha);
        this.zThreshold = zThreshold;
        this.consecutive = consecutive;
        this.warmup = warmup;
        this.relativeSpreadFloor = relativeSpreadFloor;
        this.runIds = new String[0];
    }

    /** What the detector concluded about one observation that raised an alarm. */
    public record Alarm(
            double value,
            double zScore,
            double score,
            double baselineMean,
            double baselineSpread,
            long baselineCount,
            long windowStartMillis,
            int windowCount,
            String[] sourceIds) {}

    /**
     * Adds one observation.
     *
     * @return the alarm this observation raised, or {@code null}
     */
    public Alarm observe(long timeMillis, double value, String sourceId) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("observation must be finite, got " + value);
        }
        double mean = baseline.getMean();
        double spread = spread();
        boolean warm = baseline.getCount() >= warmup;
        double z = warm && spread > 0 ? (value - mean) / spread : 0.0;
        Alarm alarm = null;
        if (warm && z > zThreshold) {
            if (run == 0) {
                runStartMillis = timeMillis;
                runIds = new String[0];
            }
            run++;
            if (runIds.length < consecutive) {
                runIds = Arrays.copyOf(runIds, runIds.length + 1);
                runIds[runIds.length - 1] = sourceId;
            }
            if (run >= consecutive && !alarmed) {
                alarmed = true;
                alarm =
                        new Alarm(
                                value,
                                z,
                                twoSidedConfidence(z),
                                mean,
                                spread,
                                baseline.getCount(),
                                runStartMillis,
                                run,
                                runIds.clone());
            }
            if (alarmed) {
                baseline.update(value);
            }
        } else {
            run = 0;
            alarmed = false;
            runIds = new String[0];
            baseline.update(value);
        }
        return alarm;
    }

    /** The spread the z-score divides by: the EWMA standard deviation, floored. */
    public double spread() {
        return Math.max(baseline.std(), relativeSpreadFloor * Math.abs(baseline.getMean()));
    }

    /**
     * {@code 2 Phi(|z|) - 1}: the probability that a normal observation lies closer to the mean
     * than this one, used as a score in [0, 1].
     */
    static double twoSidedConfidence(double z) {
        return 1.0 - 2.0 * STANDARD_NORMAL.survivalProbability(Math.abs(z));
    }

    public EwmaBaseline getBaseline() {
        return baseline;
    }

    public void setBaseline(EwmaBaseline baseline) {
        this.baseline = baseline;
    }

    public double getZThreshold() {
        return zThreshold;
    }

    public void setZThreshold(double zThreshold) {
        this.zThreshold = zThreshold;
    }

    public int getConsecutive() {
        return consecutive;
    }

    public void setConsecutive(int consecutive) {
        this.consecutive = consecutive;
    }

    public int getWarmup() {
        return warmup;
    }

    public void setWarmup(int warmup) {
        this.warmup = warmup;
    }

    public double getRelativeSpreadFloor() {
        return relativeSpreadFloor;
    }

    public void setRelativeSpreadFloor(double relativeSpreadFloor) {
        this.relativeSpreadFloor = relativeSpreadFloor;
    }

    public int getRun() {
        return run;
    }

    public void setRun(int run) {
        this.run = run;
    }

    public long getRunStartMillis() {
        return runStartMillis;
    }

    public void setRunStartMillis(long runStartMillis) {
        this.runStartMillis = runStartMillis;
    }

    public String[] getRunIds() {
        return runIds;
    }

    public void setRunIds(String[] runIds) {
        this.runIds = runIds;
    }

    public boolean isAlarmed() {
        return alarmed;
    }

    public void setAlarmed(boolean alarmed) {
        this.alarmed = alarmed;
    }
}
