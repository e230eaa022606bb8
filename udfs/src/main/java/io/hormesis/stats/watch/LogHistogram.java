package io.hormesis.stats.watch;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * A sparse histogram of non-negative values in fixed logarithmic buckets: each power of two is cut
 * into 64 buckets (the top six mantissa bits of the IEEE-754 double), so a bucket spans at most
 * 1/64 of its lower edge (1.6 %). Buckets are fixed, so histograms merge exactly and the same
 * values always give the same histogram, whatever the order or grouping (unlike a randomised
 * sketch); weights are doubles so a reference can decay.
 *
 * <p>Recording is an increment in a dense window of {@value #WINDOW} counters centred on the first
 * value's bucket (a factor of 4 either side of it, where nearly all of a latency's values fall), or
 * else an append to a small buffer of bucket indexes; both are folded into the sorted bucket arrays
 * before any query and when the buffer fills. Recorded weights are whole counts, so how they are
 * grouped into folds changes no result.
 */
public final class LogHistogram {
    private static final int FORMAT = 1;
    private static final int SHIFT = 52 - 6;
    private static final int BUFFER = 512;
    private static final int WINDOW = 256;

    private int[] buckets = new int[0];
    private double[] weights = new double[0];
    private int size;
    private double total;
    private int[] pending;
    private int pendingSize;
    private int[] window;
    private int windowBase;
    private int windowCount;

    /** The bucket of a value: monotone in the value; NaN, negative and -0 go to bucket 0. */
    public static int bucketOf(double value) {
        if (!(value > 0)) {
            return 0;
        }
        return (int) (Double.doubleToRawLongBits(value) >>> SHIFT);
    }

    /** Lower edge of a bucket. */
    public static double lowerEdge(int bucket) {
        return Double.longBitsToDouble((long) bucket << SHIFT);
    }

    /** Upper edge of a bucket (the lower edge of the next one). */
    public static double upperEdge(int bucket) {
        return Double.longBitsToDouble((long) (bucket + 1) << SHIFT);
    }

    /** Counts one value. */
    public void record(double value) {
        int bucket = bucketOf(value);
        if (window == null) {
            window = new int[WINDOW];
            windowBase = Math.max(0, bucket - WINDOW / 2);
        }
        int i = bucket - windowBase;
        if (i >= 0 && i < WINDOW) {
            window[i]++;
            if (++windowCount == Integer.MAX_VALUE) {
                fold();
            }
            return;
        }
        if (pending == null) {
            pending = new int[BUFFER];
        } else if (pendingSize == pending.length) {
            fold();
        }
        pending[pendingSize++] = bucket;
    }

    /** Adds {@code scale} times every weight of {@code other}. */
    public void add(LogHistogram other, double scale) {
        other.fold();
        fold();
        if (other.size == 0 || scale == 0) {
            return;
        }
        int[] b = new int[size + other.size];
        double[] w = new double[b.length];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < size || j < other.size) {
            if (j == other.size || (i < size && buckets[i] < other.buckets[j])) {
                b[n] = buckets[i];
                w[n++] = weights[i++];
            } else if (i == size || other.buckets[j] < buckets[i]) {
                b[n] = other.buckets[j];
                w[n++] = scale * other.weights[j++];
            } else {
                b[n] = buckets[i];
                w[n++] = weights[i++] + scale * other.weights[j++];
            }
        }
        buckets = b;
        weights = w;
        size = n;
        recomputeTotal();
    }

    /**
     * Multiplies every weight by {@code factor}, dropping buckets whose weight falls below {@code
     * floor}.
     */
    public void decay(double factor, double floor) {
        fold();
        int n = 0;
        for (int i = 0; i < size; i++) {
            double w = weights[i] * factor;
            if (w >= floor) {
                buckets[n] = buckets[i];
                weights[n++] = w;
            }
        }
        size = n;
        recomputeTotal();
    }

    public double total() {
        fold();
        return total;
    }

    /** Number of non-empty buckets. */
    public int buckets() {
        fold();
        return size;
    }

    /**
     * The bucket holding quantile {@code q}: the first bucket whose cumulative weight reaches
     * {@code q} of the total; -1 when empty.
     */
    public int quantileBucket(double q) {
        fold();
        if (size == 0) {
            return -1;
        }
        double target = q * total;
        double cumulative = 0;
        for (int i = 0; i < size; i++) {
            cumulative += weights[i];
            if (cumulative >= target) {
                return buckets[i];
            }
        }
        return buckets[size - 1];
    }

    /**
     * Quantile {@code q} as the midpoint of its bucket (within 0.8 % of an exact quantile); NaN
     * when empty.
     */
    public double quantile(double q) {
        int b = quantileBucket(q);
        if (b < 0) {
            return Double.NaN;
        }
        return b == 0 ? 0.0 : 0.5 * (lowerEdge(b) + upperEdge(b));
    }

    /** Weight in buckets strictly above {@code bucket}. */
    public double weightAbove(int bucket) {
        fold();
        int i = Arrays.binarySearch(buckets, 0, size, bucket);
        int from = i >= 0 ? i + 1 : -i - 1;
        double w = 0;
        for (int k = from; k < size; k++) {
            w += weights[k];
        }
        return w;
    }

    private void fold() {
        if (windowCount == 0 && pendingSize == 0) {
            return;
        }
        // One sorted batch: the buffered buckets below the window, the window's, those above it
        // (the buffer only holds buckets outside the window).
        if (pendingSize > 0) {
            Arrays.sort(pending, 0, pendingSize);
        }
        int capacity = pendingSize + (windowCount > 0 ? WINDOW : 0);
        LogHistogram batch = new LogHistogram();
        batch.buckets = new int[capacity];
        batch.weights = new double[capacity];
        int next = batch.countPending(pending, 0, pendingSize, windowBase);
        if (windowCount > 0) {
            for (int i = 0; i < WINDOW; i++) {
                if (window[i] != 0) {
                    batch.count(windowBase + i, window[i]);
                    window[i] = 0;
                }
            }
        }
        batch.countPending(pending, next, pendingSize, Integer.MAX_VALUE);
        batch.total = (double) pendingSize + windowCount;
        pendingSize = 0;
        windowCount = 0;
        add(batch, 1.0);
    }

    /**
     * Counts sorted buckets from {@code from} while below {@code below}; returns where it stopped.
     */
    private int countPending(int[] sorted, int from, int to, int below) {
        int i = from;
        for (; i < to && sorted[i] < below; i++) {
            count(sorted[i], 1);
        }
        return i;
    }

    /** Appends weight to the last bucket or a new one after it (buckets arrive in order). */
    private void count(int bucket, double weight) {
        if (size > 0 && buckets[size - 1] == bucket) {
            weights[size - 1] += weight;
        } else {
            buckets[size] = bucket;
            weights[size++] = weight;
        }
    }

    private void recomputeTotal() {
        double t = 0;
        for (int i = 0; i < size; i++) {
            t += weights[i];
        }
        total = t;
    }

    public void writeTo(DataOutput out) throws IOException {
        fold();
        out.writeByte(FORMAT);
        out.writeInt(size);
        for (int i = 0; i < size; i++) {
            out.writeInt(buckets[i]);
            out.writeDouble(weights[i]);
        }
    }

    public static LogHistogram readFrom(DataInput in) throws IOException {
        int format = in.readUnsignedByte();
        if (format != FORMAT) {
            throw new IOException("unknown LogHistogram format " + format);
        }
        int size = in.readInt();
        if (size < 0 || size > 1 << 20) {
            throw new IOException("LogHistogram of " + size + " buckets");
        }
        LogHistogram h = new LogHistogram();
        h.buckets = new int[size];
        h.weights = new double[size];
        for (int i = 0; i < size; i++) {
            h.buckets[i] = in.readInt();
            h.weights[i] = in.readDouble();
            if (i > 0 && h.buckets[i] <= h.buckets[i - 1]) {
                throw new IOException("LogHistogram buckets out of order");
            }
        }
        h.size = size;
        h.recomputeTotal();
        return h;
    }

    /** Bytes {@link #writeTo} writes. */
    public int stateBytes() {
        fold();
        return 5 + 12 * size;
    }
}
