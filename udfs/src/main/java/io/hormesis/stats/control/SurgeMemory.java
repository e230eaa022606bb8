package io.hormesis.stats.control;

import io.hormesis.stats.StateBytes;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the surges of one deployment taught: how high the last one rose over the rate before it, and
 * how far apart the last two began, so the next surge is met at its learned height from its first
 * interval, and a surge that recurs at that spacing is met before it begins.
 *
 * <p>Per telemetry interval, in event time: the baseline is an exponential average of the rate
 * outside surges; a surge begins when an interval's rate is at least {@link #ONSET} times the
 * baseline and ends when one is back under it. A surge whose highest interval reached at least
 * {@link #LEARNED_RISE} times the baseline teaches its ratio (peak / baseline) and its start; a
 * smaller one (noise of the trace) teaches nothing. A rise that lasts {@link #LEVEL_SHIFT_MILLIS}
 * is a new level, not a surge: the baseline moves to it.
 *
 * <p>The floor it asks for is {@code ratio * baseline}: while a surge is under way, and from one
 * lead (the warm-up) plus one interval before the start the last spacing predicts (a start is the
 * interval that detected it, so the replicas are ready by the interval before) until half a lead
 * after it (a surge later than that is met by the order its first interval makes at the learned
 * height). A prediction is used once: its window passes, or the surge comes and sets the next.
 *
 * <p>One lead after a surge ended, {@link #settledAfterSurge} says so once: the forecaster's recent
 * buckets were the surge's until then, so what was recommended on them is no cushion to keep.
 */
public final class SurgeMemory {

    private static final byte FORMAT = 1;
    private static final long NONE = Long.MIN_VALUE;

    /** An interval at this multiple of the baseline starts a surge, and under it ends one. */
    static final double ONSET = 1.5;

    /** A surge teaches only if it reached this multiple of the baseline (twice: not noise). */
    static final double LEARNED_RISE = 2.0;

    /** Weight of one interval in the baseline (about ten intervals of memory). */
    static final double BASELINE_ALPHA = 0.1;

    /**
     * Intervals the baseline averages before a surge can be told from it: a deployment's first
     * minutes (a trace that starts low and ramps up) are no surge.
     */
    static final int SETTLE_INTERVALS = (int) Math.round(2 / BASELINE_ALPHA);

    /** A rise this long is a new level of load, not a surge. */
    static final long LEVEL_SHIFT_MILLIS = 15 * 60_000;

    private final long intervalMillis;

    private double baseline = Double.NaN;
    private int baselineIntervals;
    private long surgeStart = NONE;
    private double surgePeak;
    private double ratio = Double.NaN;
    private long lastStart = NONE;
    private long lastDuration;
    private long lastEnd = NONE;
    private long period = NONE;

    /**
     * @param intervalMillis the telemetry interval (the spacing of {@link #observe} calls)
     */
    public SurgeMemory(long intervalMillis) {
        if (intervalMillis < 1) {
            throw new IllegalArgumentException(
                    "intervalMillis must be >= 1, got " + intervalMillis);
        }
        this.intervalMillis = intervalMillis;
    }

    /**
     * Learns from one interval's rate (requests/s) at event time {@code timeMillis}; returns what
     * it learned when a surge ends ("surge_ratio", "surge_period"), else nothing.
     */
    public List<Learned> observe(long timeMillis, double rate) {
        if (!(rate >= 0.0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("rate must be finite and >= 0, got " + rate);
        }
        if (Double.isNaN(baseline)) {
            baseline = rate;
            baselineIntervals = 1;
            return List.of();
        }
        if (surgeStart == NONE) {
            if (baselineIntervals >= SETTLE_INTERVALS && baseline > 0 && rate >= ONSET * baseline) {
                surgeStart = timeMillis;
                surgePeak = rate;
            } else {
                baseline += BASELINE_ALPHA * (rate - baseline);
                baselineIntervals = Math.min(SETTLE_INTERVALS, baselineIntervals + 1);
            }
            return List.of();
        }
        surgePeak = Math.max(surgePeak, rate);
        if (timeMillis - surgeStart >= LEVEL_SHIFT_MILLIS) {
            surgeStart = NONE;
            baseline = rate;
            return List.of();
        }
        if (rate >= ONSET * baseline) {
            return List.of();
        }
        long start = surgeStart;
        surgeStart = NONE;
        double rise = surgePeak / baseline;
        if (rise < LEARNED_RISE) {
            return List.of();
        }
        List<Learned> learned = new ArrayList<>(2);
        learned.add(
                new Learned(
                        "surge_ratio",
                        new PolicyUpdate(
                                true,
                                Double.isNaN(ratio) ? 0.0 : ratio,
                                rise,
                                String.format(
                                        Locale.ROOT,
                                        "surge from %d to %d rose to %.1f req/s, %.2fx the %.1f"
                                                + " req/s before it",
                                        start,
                                        timeMillis,
                                        surgePeak,
                                        rise,
                                        baseline))));
        ratio = rise;
        if (lastStart != NONE && start - lastStart > lastDuration) {
            long spacing = start - lastStart;
            learned.add(
                    new Learned(
                            "surge_period_ms",
                            new PolicyUpdate(
                                    true,
                                    period == NONE ? 0.0 : period,
                                    spacing,
                                    String.format(
                                            Locale.ROOT,
                                            "surge began %d ms after the one before (at %d):"
                                                    + " the next is expected at %d",
                                            spacing,
                                            lastStart,
                                            start + spacing))));
            period = spacing;
        } else {
            period = NONE;
        }
        lastStart = start;
        lastDuration = timeMillis - start;
        lastEnd = timeMillis;
        return learned;
    }

    /** One learned value, named as the policy-update stream names it. */
    public record Learned(String parameter, PolicyUpdate update) {}

    /**
     * The rate to provision for at least, at {@code timeMillis} with replicas ready {@code
     * leadMillis} after they are asked for: the learned surge height while a surge is under way or
     * expected; NaN otherwise (no surge learned yet, or none under way or due).
     */
    public double floorRate(long timeMillis, long leadMillis) {
        if (Double.isNaN(ratio)) {
            return Double.NaN;
        }
        if (surgeStart != NONE || expected(timeMillis, leadMillis)) {
            return ratio * baseline;
        }
        return Double.NaN;
    }

    /** Whether the last spacing predicts a surge from one lead (plus an interval) from now. */
    public boolean expected(long timeMillis, long leadMillis) {
        if (period == NONE || surgeStart != NONE) {
            return false;
        }
        long next = lastStart + period;
        return timeMillis >= next - leadMillis - intervalMillis
                && timeMillis <= next + leadMillis / 2;
    }

    /**
     * Forgets a prediction whose window has passed at {@code timeMillis} without the surge: returns
     * the update of "surge_period_ms" to 0 then, once, else null.
     */
    public PolicyUpdate expire(long timeMillis, long leadMillis) {
        if (period == NONE
                || surgeStart != NONE
                || timeMillis <= lastStart + period + leadMillis / 2) {
            return null;
        }
        long missed = lastStart + period;
        double before = period;
        period = NONE;
        return new PolicyUpdate(
                true,
                before,
                0.0,
                String.format(
                        Locale.ROOT,
                        "no surge within %d ms of %d, where the spacing of the last two predicted"
                                + " one: prediction dropped",
                        leadMillis,
                        missed));
    }

    /**
     * True once, at the first call one lead or more after a learned surge ended: the
     * recommendations made on the forecaster's surge buckets can go (47 replicas held for 55 req/s
     * during the 300 s after the second surge of bench loop repeated-surges seed 42, where 20 serve
     * it).
     */
    public boolean settledAfterSurge(long timeMillis, long leadMillis) {
        if (lastEnd == NONE || surgeStart != NONE || timeMillis - lastEnd < leadMillis) {
            return false;
        }
        lastEnd = NONE;
        return true;
    }

    public boolean surging() {
        return surgeStart != NONE;
    }

    public double baseline() {
        return baseline;
    }

    /** The last learned surge height over its baseline, NaN before the first. */
    public double ratio() {
        return ratio;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeLong(intervalMillis);
        out.writeDouble(baseline);
        out.writeInt(baselineIntervals);
        out.writeLong(surgeStart);
        out.writeDouble(surgePeak);
        out.writeDouble(ratio);
        out.writeLong(lastStart);
        out.writeLong(lastDuration);
        out.writeLong(period);
        out.writeLong(lastEnd);
    }

    public static SurgeMemory readFrom(DataInput in) throws IOException {
        StateBytes.checkVersion(in, FORMAT, "SurgeMemory");
        SurgeMemory m = new SurgeMemory(in.readLong());
        m.baseline = in.readDouble();
        m.baselineIntervals = in.readInt();
        m.surgeStart = in.readLong();
        m.surgePeak = in.readDouble();
        m.ratio = in.readDouble();
        m.lastStart = in.readLong();
        m.lastDuration = in.readLong();
        m.period = in.readLong();
        m.lastEnd = in.readLong();
        return m;
    }

    /** Exact length of {@link #writeTo} output. */
    public static final int SERIALIZED_BYTES = 1 + 9 * 8 + 4;
}
