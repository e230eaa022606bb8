package io.hormesis.jobs.control;

import io.hormesis.stats.StateBytes;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns one deployment's inference events into per-interval telemetry per model version: requests,
 * errors, p95 latency and bounded samples of latencies and prediction scores (what the rollback
 * judge compares). Intervals are aligned to multiples of the interval length in event time and are
 * closed by the caller (CONTROL closes them when the watermark passes their end); an event for an
 * interval already closed is late and refused, so the caller counts it.
 *
 * <p>State is bounded: at most {@code maxSamples} values per interval and version (reservoir
 * sampling with a deterministic hash instead of a random generator, so a replay from a checkpoint
 * keeps the same samples) and at most {@code maxVersions} versions per interval. p95 is exact while
 * an interval has at most {@code maxSamples} requests, and the sample's p95 beyond.
 */
public final class TelemetryAggregator {
    private static final byte FORMAT = 1;

    /** One closed interval of one version. */
    public record Interval(
            long start,
            long end,
            String modelName,
            String modelVersion,
            long requests,
            long errors,
            double p95LatencyMillis,
            double[] latencySamples,
            double[] scoreSamples) {}

    /** Why {@link #add} refused an event. */
    public enum Refusal {
        NONE,
        LATE,
        TOO_MANY_VERSIONS
    }

    private static final class Open {
        String modelName;
        long requests;
        long errors;
        long latencySeen;
        long scoreSeen;
        double[] latencies;
        int latencyCount;
        double[] scores;
        int scoreCount;
    }

    private final long intervalMillis;
    private final int maxSamples;
    private final int maxVersions;

    /** Intervals not closed yet: start -> version -> aggregate. */
    private final TreeMap<Long, TreeMap<String, Open>> open = new TreeMap<>();

    private long closedUpTo = Long.MIN_VALUE;

    public TelemetryAggregator(long intervalMillis, int maxSamples, int maxVersions) {
        if (intervalMillis < 1 || maxSamples < 1 || maxVersions < 1) {
            throw new IllegalArgumentException(
                    "need intervalMillis, maxSamples and maxVersions >= 1, got "
                            + intervalMillis
                            + ", "
                            + maxSamples
                            + ", "
                            + maxVersions);
        }
        this.intervalMillis = intervalMillis;
        this.maxSamples = maxSamples;
        this.maxVersions = maxVersions;
    }

    public long intervalMillis() {
        return intervalMillis;
    }

    /** Start of the interval that contains {@code time}. */
    public long intervalStart(long time) {
        return Math.floorDiv(time, intervalMillis) * intervalMillis;
    }

    /**
     * Adds one request. {@code latencyMillis} is sampled only for successful requests ({@code
     * error} false); {@code score} may be NaN (none).
     */
    public Refusal add(
            long eventTime,
            String modelName,
            String modelVersion,
            double latencyMillis,
            boolean error,
            double score) {
        long start = intervalStart(eventTime);
        if (closedUpTo != Long.MIN_VALUE && start + intervalMillis <= closedUpTo) {
            return Refusal.LATE;
        }
        TreeMap<String, Open> versions = open.computeIfAbsent(start, s -> new TreeMap<>());
        Open agg = versions.get(modelVersion);
        if (agg == null) {
            if (versions.size() >= maxVersions) {
                return Refusal.TOO_MANY_VERSIONS;
            }
            agg = new Open();
            agg.modelName = modelName;
            agg.latencies = new double[Math.min(maxSamples, 16)];
            agg.scores = new double[0];
            versions.put(modelVersion, agg);
        }
        agg.requests++;
        if (error) {
            agg.errors++;
        } else if (Double.isFinite(latencyMillis)) {
            agg.latencySeen++;
            agg.latencies =
                    sample(agg.latencies, agg.latencyCount, agg.latencySeen, start, latencyMillis);
            agg.latencyCount = (int) Math.min(agg.latencySeen, maxSamples);
        }
        if (Double.isFinite(score)) {
            agg.scoreSeen++;
            agg.scores = sample(agg.scores, agg.scoreCount, agg.scoreSeen, ~start, score);
            agg.scoreCount = (int) Math.min(agg.scoreSeen, maxSamples);
        }
        return Refusal.NONE;
    }

    /** Reservoir sampling (Algorithm R) with the n-th slot drawn from a hash of (salt, n). */
    private double[] sample(double[] values, int count, long seen, long salt, double x) {
        if (seen <= maxSamples) {
            if (count == values.length) {
                values = Arrays.copyOf(values, Math.min(maxSamples, Math.max(16, 2 * count)));
            }
            values[count] = x;
            return values;
        }
        long j = Long.remainderUnsigned(mix(salt * 0x9E3779B97F4A7C15L + seen), seen);
        if (j < maxSamples) {
            values[(int) j] = x;
        }
        return values;
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Closes every interval that ends at or before {@code time} and returns them, oldest first and
     * by version within an interval; later events for them are {@link Refusal#LATE}.
     */
    public List<Interval> closeUpTo(long time) {
        List<Interval> closed = new ArrayList<>();
        while (!open.isEmpty() && open.firstKey() + intervalMillis <= time) {
            Map.Entry<Long, TreeMap<String, Open>> e = open.pollFirstEntry();
            long start = e.getKey();
            for (Map.Entry<String, Open> v : e.getValue().entrySet()) {
                Open a = v.getValue();
                double[] latencies = Arrays.copyOf(a.latencies, a.latencyCount);
                double[] scores = Arrays.copyOf(a.scores, a.scoreCount);
                closed.add(
                        new Interval(
                                start,
                                start + intervalMillis,
                                a.modelName,
                                v.getKey(),
                                a.requests,
                                a.errors,
                                p95(latencies),
                                latencies,
                                scores));
            }
        }
        closedUpTo = Math.max(closedUpTo, intervalStart(time));
        closed.sort(Comparator.comparingLong(Interval::start));
        return closed;
    }

    /** The 95th percentile by the nearest-rank method, 0 for no values. */
    static double p95(double[] values) {
        if (values.length == 0) {
            return 0.0;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(0.95 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    public boolean isEmpty() {
        return open.isEmpty();
    }

    /** Intervals still open. */
    public int openIntervals() {
        return open.size();
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeLong(intervalMillis);
        out.writeInt(maxSamples);
        out.writeInt(maxVersions);
        out.writeLong(closedUpTo);
        out.writeInt(open.size());
        for (Map.Entry<Long, TreeMap<String, Open>> e : open.entrySet()) {
            out.writeLong(e.getKey());
            out.writeInt(e.getValue().size());
            for (Map.Entry<String, Open> v : e.getValue().entrySet()) {
                Open a = v.getValue();
                out.writeUTF(v.getKey());
                out.writeUTF(a.modelName == null ? "" : a.modelName);
                out.writeLong(a.requests);
                out.writeLong(a.errors);
                out.writeLong(a.latencySeen);
                out.writeLong(a.scoreSeen);
                writeValues(out, a.latencies, a.latencyCount);
                writeValues(out, a.scores, a.scoreCount);
            }
        }
    }

    private static void writeValues(DataOutput out, double[] values, int count) throws IOException {
        out.writeInt(count);
        for (int i = 0; i < count; i++) {
            out.writeDouble(values[i]);
        }
    }

    public static TelemetryAggregator readFrom(DataInput in) throws IOException {
        StateBytes.checkVersion(in, FORMAT, "TelemetryAggregator");
        TelemetryAggregator agg =
                new TelemetryAggregator(in.readLong(), in.readInt(), in.readInt());
        agg.closedUpTo = in.readLong();
        int intervals = in.readInt();
        for (int i = 0; i < intervals; i++) {
            long start = in.readLong();
            int versions = in.readInt();
            TreeMap<String, Open> byVersion = new TreeMap<>();
            for (int j = 0; j < versions; j++) {
                String version = in.readUTF();
                Open a = new Open();
                a.modelName = in.readUTF();
                a.requests = in.readLong();
                a.errors = in.readLong();
                a.latencySeen = in.readLong();
                a.scoreSeen = in.readLong();
                a.latencies = readValues(in, agg.maxSamples);
                a.latencyCount = a.latencies.length;
                a.scores = readValues(in, agg.maxSamples);
                a.scoreCount = a.scores.length;
                byVersion.put(version, a);
            }
            agg.open.put(start, byVersion);
        }
        return agg;
    }

    private static double[] readValues(DataInput in, int max) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > max) {
            throw new IllegalArgumentException(
                    "corrupt TelemetryAggregator state: " + count + " samples, max " + max);
        }
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = in.readDouble();
        }
        return values;
    }

    public byte[] toBytes() {
        return StateBytes.write(this::writeTo, 1024);
    }

    public static TelemetryAggregator fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, TelemetryAggregator::readFrom);
    }
}
