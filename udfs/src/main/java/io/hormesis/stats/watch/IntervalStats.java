package io.hormesis.stats.watch;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What WATCH keeps of the requests of one key in one interval of event time: the request and error
 * counts, histograms of the latency and time to first token of successful requests, the event-time
 * span and the first request ids (capped), as evidence. Recording a request is O(1); partial
 * aggregates of the same interval merge exactly, so a pre-aggregation before the keyed exchange may
 * flush whenever it likes.
 */
public final class IntervalStats {
    private static final int FORMAT = 1;

    private final long intervalStart;
    private final int idCap;
    private long requests;
    private long errors;
    private long firstMillis = Long.MAX_VALUE;
    private long lastMillis = Long.MIN_VALUE;
    private final LogHistogram latency;
    private final LogHistogram ttft;
    private String[] ids;
    private int idCount;

    public IntervalStats(long intervalStart, int idCap) {
        if (idCap < 0) {
            throw new IllegalArgumentException("idCap must be >= 0, got " + idCap);
        }
        this.intervalStart = intervalStart;
        this.idCap = idCap;
        this.latency = new LogHistogram();
        this.ttft = new LogHistogram();
        this.ids = new String[Math.min(idCap, 16)];
    }

    /** Records one request; latency and ttft are ignored for a failed request or when NaN. */
    public void record(long eventMillis, boolean ok, double latencyMs, double ttftMs, String id) {
        requests++;
        if (eventMillis < firstMillis) {
            firstMillis = eventMillis;
        }
        if (eventMillis > lastMillis) {
            lastMillis = eventMillis;
        }
        if (ok) {
            if (!Double.isNaN(latencyMs)) {
                latency.record(latencyMs);
            }
            if (!Double.isNaN(ttftMs)) {
                ttft.record(ttftMs);
            }
        } else {
            errors++;
        }
        if (idCount < idCap && id != null) {
            addId(id);
        }
    }

    /** Whether a request recorded now would still add its id (so a caller can skip building it). */
    public boolean wantsIds() {
        return idCount < idCap;
    }

    private void addId(String id) {
        if (idCount == ids.length) {
            ids = Arrays.copyOf(ids, Math.min(idCap, Math.max(16, 2 * ids.length)));
        }
        ids[idCount++] = id;
    }

    /** Adds everything {@code other} recorded; ids are kept in order up to the cap. */
    public void merge(IntervalStats other) {
        requests += other.requests;
        errors += other.errors;
        firstMillis = Math.min(firstMillis, other.firstMillis);
        lastMillis = Math.max(lastMillis, other.lastMillis);
        latency.add(other.latency, 1.0);
        ttft.add(other.ttft, 1.0);
        for (int i = 0; i < other.idCount && idCount < idCap; i++) {
            addId(other.ids[i]);
        }
    }

    /** Start of the (first) interval, in event-time milliseconds. */
    public long intervalStart() {
        return intervalStart;
    }

    public long requests() {
        return requests;
    }

    public long errors() {
        return errors;
    }

    /** Event time of the earliest request recorded, Long.MAX_VALUE when none. */
    public long firstMillis() {
        return firstMillis;
    }

    /** Event time of the latest request recorded, Long.MIN_VALUE when none. */
    public long lastMillis() {
        return lastMillis;
    }

    /** Histogram of the metric, in {@link KeyWatch#METRICS} order. */
    public LogHistogram histogram(int metric) {
        return metric == 0 ? latency : ttft;
    }

    public List<String> ids() {
        return List.of(Arrays.copyOf(ids, idCount));
    }

    public int idCap() {
        return idCap;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeLong(intervalStart);
        out.writeInt(idCap);
        out.writeLong(requests);
        out.writeLong(errors);
        out.writeLong(firstMillis);
        out.writeLong(lastMillis);
        latency.writeTo(out);
        ttft.writeTo(out);
        out.writeInt(idCount);
        for (int i = 0; i < idCount; i++) {
            out.writeUTF(ids[i]);
        }
    }

    public static IntervalStats readFrom(DataInput in) throws IOException {
        int format = in.readUnsignedByte();
        if (format != FORMAT) {
            throw new IOException("unknown IntervalStats format " + format);
        }
        IntervalStats s = new IntervalStats(in.readLong(), in.readInt());
        s.requests = in.readLong();
        s.errors = in.readLong();
        s.firstMillis = in.readLong();
        s.lastMillis = in.readLong();
        s.latency.add(LogHistogram.readFrom(in), 1.0);
        s.ttft.add(LogHistogram.readFrom(in), 1.0);
        int n = in.readInt();
        if (n < 0 || n > s.idCap) {
            throw new IOException("IntervalStats with " + n + " ids over its cap " + s.idCap);
        }
        List<String> read = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            read.add(in.readUTF());
        }
        s.ids = read.toArray(new String[0]);
        s.idCount = n;
        return s;
    }
}
