package io.hormesis.stats.forecast;

import io.hormesis.stats.StateBytes;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Event rate forecaster for a scaler: counts events per fixed event-time bucket (for example
 * requests per 10 s), feeds each closed bucket's count to a {@link HoltWinters} model, and answers
 * how high the rate may go over the next stretch of time.
 *
 * <p>Buckets are aligned to multiples of the bucket length since the epoch, starting with the
 * bucket of the first event. A bucket closes when an event or {@link #advanceTo watermark} at or
 * past its end arrives; buckets that saw no event close with a count of 0. Events out of order
 * within the open bucket are counted normally. An event for an already closed bucket is late: it is
 * counted in {@link #lateEvents()} and otherwise dropped, so closed counts never change.
 *
 * <p>Closing a gap costs one model update per skipped bucket, so a timestamp far in the future (a
 * clock bug upstream) costs time in proportion to the gap; callers should filter those.
 */
public final class RateForecaster {

    /** Format version of {@link #writeTo}, bumped whenever the layout changes. */
    private static final byte FORMAT = 1;

    private final long bucketMillis;
    private final HoltWinters model;

    private boolean started;

    /** Start of the open bucket, inclusive. */
    private long openStart;

    private long openCount;

    /** Latest event time or watermark seen, the "now" the horizon is measured from. */
    private long now;

    private long lateEvents;
    private long closedBuckets;

    /**
     * @param bucketMillis length of one bucket in milliseconds, the model's time step
     * @param model a fresh or restored model the bucket counts go to; owned by this forecaster
     */
    public RateForecaster(long bucketMillis, HoltWinters model) {
        if (bucketMillis < 1) {
            throw new IllegalArgumentException("bucketMillis must be >= 1, got " + bucketMillis);
        }
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        this.bucketMillis = bucketMillis;
        this.model = model;
    }

    /** Counts one event at {@code timestampMillis}; false if it was late and dropped. */
    public boolean onEvent(long timestampMillis) {
        return onEvents(timestampMillis, 1);
    }

    /**
     * Counts {@code count >= 0} events that arrived at {@code timestampMillis} (a pre-aggregated
     * arrival); false if they were late and dropped.
     */
    public boolean onEvents(long timestampMillis, long count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        if (!started) {
            started = true;
            openStart = Math.floorDiv(timestampMillis, bucketMillis) * bucketMillis;
            now = timestampMillis;
        }
        if (timestampMillis < openStart) {
            lateEvents += count;
            return false;
        }
        advanceTo(timestampMillis);
        openCount += count;
        return true;
    }

    /**
     * Moves event time to {@code watermarkMillis}, closing every bucket that ends at or before it.
     * Does nothing before the first event or for a watermark behind the current time.
     */
    public void advanceTo(long watermarkMillis) {
        if (!started || watermarkMillis <= now) {
            return;
        }
        now = watermarkMillis;
        while (watermarkMillis >= openStart + bucketMillis) {
            model.update(openCount);
            closedBuckets++;
            openCount = 0;
            openStart += bucketMillis;
        }
    }

    /**
     * Upper bound at coverage {@code level} of the rate, in events per bucket, over the next {@code
     * leadMillis} of event time: the largest upper prediction bound over the buckets from the open
     * one to the one holding {@code now + leadMillis}, floored at 0. The open bucket is forecast as
     * a whole (its partial count is not used). NaN until the model is ready and has seen an error.
     *
     * <p>Each bucket's bound is exceeded with probability {@code (1 - level) / 2} under the model;
     * the largest of {@code H} counts exceeds the largest of their bounds with probability at most
     * {@code H (1 - level) / 2} (union bound), usually much less, as the forecast errors of
     * neighbouring buckets are correlated.
     */
    public double upperRate(long leadMillis, double level) {
        if (leadMillis < 0) {
            throw new IllegalArgumentException("leadMillis must be >= 0, got " + leadMillis);
        }
        if (!(level > 0.0 && level < 1.0)) {
            throw new IllegalArgumentException("level must be in (0, 1), got " + level);
        }
        if (!started || !model.isReady()) {
            return Double.NaN;
        }
        return Math.max(0.0, model.maxUpperBound(horizonBuckets(leadMillis), level));
    }

    /** {@link #upperRate} converted to events per second. */
    public double upperRatePerSecond(long leadMillis, double level) {
        return upperRate(leadMillis, level) * 1000.0 / bucketMillis;
    }

    /** Buckets from the open one through the one holding {@code now + leadMillis}. */
    int horizonBuckets(long leadMillis) {
        long end = now + leadMillis;
        long buckets = Math.floorDiv(end - openStart, bucketMillis) + 1;
        return (int) Math.min(Math.max(buckets, 1), Integer.MAX_VALUE);
    }

    public long bucketMillis() {
        return bucketMillis;
    }

    /** The model the closed bucket counts feed; read it, do not update it. */
    public HoltWinters model() {
        return model;
    }

    /** Events dropped because their bucket had already closed. */
    public long lateEvents() {
        return lateEvents;
    }

    public long closedBuckets() {
        return closedBuckets;
    }

    /** Events counted so far in the open bucket. */
    public long openCount() {
        return openCount;
    }

    /** Start of the open bucket; meaningless before the first event. */
    public long openBucketStart() {
        return openStart;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeLong(bucketMillis);
        out.writeBoolean(started);
        out.writeLong(openStart);
        out.writeLong(openCount);
        out.writeLong(now);
        out.writeLong(lateEvents);
        out.writeLong(closedBuckets);
        model.writeTo(out);
    }

    public static RateForecaster readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unknown RateForecaster state format " + format);
        }
        long bucketMillis = in.readLong();
        boolean started = in.readBoolean();
        long openStart = in.readLong();
        long openCount = in.readLong();
        long now = in.readLong();
        long lateEvents = in.readLong();
        long closedBuckets = in.readLong();
        RateForecaster forecaster;
        try {
            forecaster = new RateForecaster(bucketMillis, HoltWinters.readFrom(in));
        } catch (IllegalArgumentException e) {
            throw new IOException("corrupt RateForecaster state: " + e.getMessage(), e);
        }
        forecaster.started = started;
        forecaster.openStart = openStart;
        forecaster.openCount = openCount;
        forecaster.now = now;
        forecaster.lateEvents = lateEvents;
        forecaster.closedBuckets = closedBuckets;
        return forecaster;
    }

    public byte[] toBytes() {
        return StateBytes.write(this::writeTo, 128 + 16 * model.seasonLength());
    }

    public static RateForecaster fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, RateForecaster::readFrom);
    }

    /** Upper bound on {@link #toBytes()} length for season length {@code m}. */
    public static int maxSerializedBytes(int m) {
        return 1 + 8 + 1 + 5 * 8 + HoltWinters.maxSerializedBytes(m);
    }
}
