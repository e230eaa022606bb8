package io.hormesis.stats.baseline;

import io.hormesis.stats.StateBytes;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Expected value and spread of a signal by time of day and day of week, learned online: the
 * baseline for traffic or latency that is busy by day, quiet at night and different at weekends.
 *
 * <p>The model is {@code value = level(t) + hour[h(t)] + day[d(t)] + noise}. The level is a Holt
 * level and trend: every observation corrects the level by {@code levelAlpha} times the residual,
 * and once an hour or more of event time has passed the trend (per hour) is smoothed towards the
 * level's change per hour since the last trend update with weight {@code trendBeta}, so the trend
 * does not depend on the sampling rate. Each hour-of-day bin holds an EWMA effect (weight {@code
 * hourAlpha} per observation); each day-of-week bin an EWMA effect learned once per completed day
 * from that day's mean residual (weight {@code dayAlpha} per day), so that hour-of-day structure
 * cannot leak into it. The level must move slower than the weekly pattern, or it absorbs it: keep
 * {@code levelAlpha} well below {@code 1 / (observations per day)}. Hour and day bins also hold an
 * EWMA of squared residuals (weight {@code spreadAlpha} per observation). A bin's first updates use
 * weight {@code 1/n} instead while that is larger, so it starts from its running mean. After each
 * effect update the effects are re-centred to sum to zero and the level takes the difference (as in
 * Archibald &amp; Koehler 2003, "Normalization of seasonal factors in Winters' methods"), so the
 * level stays the de-seasonalised mean.
 *
 * <p>The spread at a time is {@code sqrt(hourVar[h] * dayVar[d] / mean(dayVar))}: the hour's
 * residual scale, stretched for days that are noisier than average. Bins are taken at a fixed UTC
 * offset (no daylight-saving shifts). An observation older than the newest one seen is scored and
 * learned from, but the level is not moved back in time for it.
 */
public final class SeasonalProfile {

    private static final long HOUR_MILLIS = 3_600_000L;
    private static final long DAY_MILLIS = 24 * HOUR_MILLIS;
    private static final int HOURS = 24;
    private static final int DAYS = 7;

    /** Format version of {@link #writeTo}, bumped whenever the layout changes. */
    private static final byte FORMAT = 1;

    private final double levelAlpha;
    private final double trendBeta;
    private final double hourAlpha;
    private final double dayAlpha;
    private final double spreadAlpha;
    private final int offsetMinutes;

    private double level;

    /** Per hour. */
    private double trend;

    private long lastTimestamp;
    private long anchorTimestamp;
    private double anchorLevel;
    private long count;

    private final double[] hour = new double[HOURS];
    private final double[] hourVariance = new double[HOURS];
    private final long[] hourCount = new long[HOURS];
    private final double[] day = new double[DAYS];
    private final double[] dayVariance = new double[DAYS];
    private final long[] dayCount = new long[DAYS];

    /** Completed days each day-of-week effect has learned from. */
    private final long[] daysLearned = new long[DAYS];

    /** Local epoch day whose residuals are being summed, and their sum and number. */
    private long openDay;

    private double openDaySum;
    private long openDayCount;

    /**
     * @param levelAlpha weight of one residual in the level, in (0, 1]
     * @param trendBeta weight of one hour's level change in the trend, in [0, 1] (0: no trend)
     * @param hourAlpha weight of one residual in its hour-of-day effect, in (0, 1]
     * @param dayAlpha weight of one completed day's mean residual in its day-of-week effect, in (0,
     *     1]
     * @param spreadAlpha weight of one squared residual in its bins' variances, in (0, 1]
     * @param offsetMinutes fixed offset from UTC of the clock the bins follow, within +-18 h
     */
    public SeasonalProfile(
            double levelAlpha,
            double trendBeta,
            double hourAlpha,
            double dayAlpha,
            double spreadAlpha,
            int offsetMinutes) {
        checkWeight("levelAlpha", levelAlpha, false);
        checkWeight("trendBeta", trendBeta, true);
        checkWeight("hourAlpha", hourAlpha, false);
        checkWeight("dayAlpha", dayAlpha, false);
        checkWeight("spreadAlpha", spreadAlpha, false);
        if (Math.abs(offsetMinutes) > 18 * 60) {
            throw new IllegalArgumentException(
                    "offsetMinutes must be within +-1080 (18 h), got " + offsetMinutes);
        }
        this.levelAlpha = levelAlpha;
        this.trendBeta = trendBeta;
        this.hourAlpha = hourAlpha;
        this.dayAlpha = dayAlpha;
        this.spreadAlpha = spreadAlpha;
        this.offsetMinutes = offsetMinutes;
    }

    private static void checkWeight(String name, double value, boolean zeroAllowed) {
        boolean ok = (zeroAllowed ? value >= 0.0 : value > 0.0) && value <= 1.0;
        if (!ok) {
            throw new IllegalArgumentException(
                    name + " must be in " + (zeroAllowed ? "[0, 1]" : "(0, 1]") + ", got " + value);
        }
    }

    /** Hour of day, 0-23, at this profile's offset. */
    public int hourOfDay(long timestampMillis) {
        long local = timestampMillis + offsetMinutes * 60_000L;
        return (int) (Math.floorMod(local, DAY_MILLIS) / HOUR_MILLIS);
    }

    /** Day of week, 0 = Monday to 6 = Sunday, at this profile's offset. */
    public int dayOfWeek(long timestampMillis) {
        long local = timestampMillis + offsetMinutes * 60_000L;
        // 1970-01-01 was a Thursday (3 with Monday = 0).
        return (int) Math.floorMod(Math.floorDiv(local, DAY_MILLIS) + 3, 7);
    }

    /** Level extrapolated to {@code timestampMillis} (not backwards in time). */
    private double baseAt(long timestampMillis) {
        long ahead = Math.max(0L, timestampMillis - lastTimestamp);
        return level + trend * ahead / (double) HOUR_MILLIS;
    }

    /** Expected value at {@code timestampMillis}; NaN before the first observation. */
    public double expected(long timestampMillis) {
        if (count == 0) {
            return Double.NaN;
        }
        return baseAt(timestampMillis)
                + hour[hourOfDay(timestampMillis)]
                + day[dayOfWeek(timestampMillis)];
    }

    /** {@code value - expected(timestampMillis)}. */
    public double residual(long timestampMillis, double value) {
        return value - expected(timestampMillis);
    }

    /**
     * Residual scale at {@code timestampMillis}; NaN until the hour and day bins have each seen a
     * residual.
     */
    public double spread(long timestampMillis) {
        int h = hourOfDay(timestampMillis);
        int d = dayOfWeek(timestampMillis);
        if (hourCount[h] == 0 || dayCount[d] == 0) {
            return Double.NaN;
        }
        double sum = 0.0;
        int seen = 0;
        for (int i = 0; i < DAYS; i++) {
            if (dayCount[i] > 0) {
                sum += dayVariance[i];
                seen++;
            }
        }
        double meanDay = sum / seen;
        if (meanDay == 0.0) {
            return Math.sqrt(hourVariance[h]);
        }
        return Math.sqrt(hourVariance[h] * dayVariance[d] / meanDay);
    }

    /** Adds the observation {@code value} at {@code timestampMillis}. */
    public void update(long timestampMillis, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("observation must be finite, got " + value);
        }
        long localDay = localDay(timestampMillis);
        if (count == 0) {
            level = value;
            lastTimestamp = timestampMillis;
            anchorTimestamp = timestampMillis;
            anchorLevel = value;
            openDay = localDay;
            count = 1;
            return;
        }
        if (localDay > openDay) {
            closeDay();
            openDay = localDay;
        }
        int h = hourOfDay(timestampMillis);
        int d = dayOfWeek(timestampMillis);
        double base = baseAt(timestampMillis);
        double residual = value - (base + hour[h] + day[d]);

        hourCount[h]++;
        dayCount[d]++;
        double squared = residual * residual;
        hourVariance[h] += weight(spreadAlpha, hourCount[h]) * (squared - hourVariance[h]);
        dayVariance[d] += weight(spreadAlpha, dayCount[d]) * (squared - dayVariance[d]);

        double hourStep = weight(hourAlpha, hourCount[h]) * residual;
        hour[h] += hourStep;
        base += recentre(hour, hourStep);
        if (localDay == openDay) {
            openDaySum += residual;
            openDayCount++;
        }

        level = base + levelAlpha * residual;
        if (timestampMillis > lastTimestamp) {
            lastTimestamp = timestampMillis;
        }
        long sinceAnchor = lastTimestamp - anchorTimestamp;
        if (sinceAnchor >= HOUR_MILLIS) {
            double change = (level - anchorLevel) / (sinceAnchor / (double) HOUR_MILLIS);
            trend += trendBeta * (change - trend);
            anchorTimestamp = lastTimestamp;
            anchorLevel = level;
        }
        count++;
    }

    /** Learns the closing day's day-of-week effect from its mean residual. */
    private void closeDay() {
        if (openDayCount == 0) {
            return;
        }
        int d = (int) Math.floorMod(openDay + 3, 7);
        daysLearned[d]++;
        double step = weight(dayAlpha, daysLearned[d]) * openDaySum / openDayCount;
        day[d] += step;
        level += recentre(day, step);
        anchorLevel += step / DAYS;
        openDaySum = 0.0;
        openDayCount = 0;
    }

    private long localDay(long timestampMillis) {
        return Math.floorDiv(timestampMillis + offsetMinutes * 60_000L, DAY_MILLIS);
    }

    /** Larger of the EWMA weight and {@code 1/n}, so a new bin starts from its running mean. */
    private static double weight(double alpha, long n) {
        return Math.max(alpha, 1.0 / n);
    }

    /** Shifts {@code effects} to sum to zero after one moved by {@code step}; returns the shift. */
    private static double recentre(double[] effects, double step) {
        double shift = step / effects.length;
        for (int i = 0; i < effects.length; i++) {
            effects[i] -= shift;
        }
        return shift;
    }

    /** De-seasonalised level at the newest observation. */
    public double level() {
        return count == 0 ? Double.NaN : level;
    }

    /** Trend of the level per hour. */
    public double trendPerHour() {
        return trend;
    }

    /** Effect of hour of day {@code h} (0-23); the 24 effects sum to zero. */
    public double hourEffect(int h) {
        return hour[h];
    }

    /** Effect of day of week {@code d} (0 = Monday); the 7 effects sum to zero. */
    public double dayEffect(int d) {
        return day[d];
    }

    public long count() {
        return count;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeDouble(levelAlpha);
        out.writeDouble(trendBeta);
        out.writeDouble(hourAlpha);
        out.writeDouble(dayAlpha);
        out.writeDouble(spreadAlpha);
        out.writeInt(offsetMinutes);
        out.writeDouble(level);
        out.writeDouble(trend);
        out.writeLong(lastTimestamp);
        out.writeLong(anchorTimestamp);
        out.writeDouble(anchorLevel);
        out.writeLong(count);
        writeBins(out, hour, hourVariance, hourCount);
        writeBins(out, day, dayVariance, dayCount);
        for (long n : daysLearned) {
            out.writeLong(n);
        }
        out.writeLong(openDay);
        out.writeDouble(openDaySum);
        out.writeLong(openDayCount);
    }

    private static void writeBins(DataOutput out, double[] effect, double[] variance, long[] n)
            throws IOException {
        for (int i = 0; i < effect.length; i++) {
            out.writeDouble(effect[i]);
            out.writeDouble(variance[i]);
            out.writeLong(n[i]);
        }
    }

    public static SeasonalProfile readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unknown SeasonalProfile state format " + format);
        }
        SeasonalProfile profile;
        try {
            profile =
                    new SeasonalProfile(
                            in.readDouble(),
                            in.readDouble(),
                            in.readDouble(),
                            in.readDouble(),
                            in.readDouble(),
                            in.readInt());
        } catch (IllegalArgumentException e) {
            throw new IOException("corrupt SeasonalProfile state: " + e.getMessage(), e);
        }
        profile.level = in.readDouble();
        profile.trend = in.readDouble();
        profile.lastTimestamp = in.readLong();
        profile.anchorTimestamp = in.readLong();
        profile.anchorLevel = in.readDouble();
        profile.count = in.readLong();
        readBins(in, profile.hour, profile.hourVariance, profile.hourCount);
        readBins(in, profile.day, profile.dayVariance, profile.dayCount);
        for (int i = 0; i < DAYS; i++) {
            profile.daysLearned[i] = in.readLong();
        }
        profile.openDay = in.readLong();
        profile.openDaySum = in.readDouble();
        profile.openDayCount = in.readLong();
        return profile;
    }

    private static void readBins(DataInput in, double[] effect, double[] variance, long[] n)
            throws IOException {
        for (int i = 0; i < effect.length; i++) {
            effect[i] = in.readDouble();
            variance[i] = in.readDouble();
            n[i] = in.readLong();
        }
    }

    public byte[] toBytes() {
        return StateBytes.write(this::writeTo, SERIALIZED_BYTES);
    }

    public static SeasonalProfile fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, SeasonalProfile::readFrom);
    }

    /** Length of {@link #toBytes()}, which is fixed. */
    public static final int SERIALIZED_BYTES =
            1 + 5 * 8 + 4 + 6 * 8 + (HOURS + DAYS) * 24 + DAYS * 8 + 3 * 8;
}
