package io.hormesis.stats.baseline;

import io.hormesis.stats.StateBytes;
import org.apache.datasketches.kll.KllFloatsSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.FloatsSortedView;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Median and MAD baseline of one signal that adapts: robust to outliers where {@link
 * io.hormesis.stats.EwmaBaseline} is not, and mergeable across partitions.
 *
 * <p>Two DataSketches KLL sketches rotate over windows of {@code window} observations: the current
 * one takes updates until it holds {@code window}, then becomes the previous one and a fresh sketch
 * starts. Answers come from the union of both, so they describe the last {@code window} to {@code 2
 * window} observations: after a level shift the median follows within at most {@code 2 window}
 * observations (usually about {@code window}).
 *
 * <p>The union is read without merging (which would draw KLL's random coins): both sketches' sorted
 * views are pooled as weighted items. The median is their weighted median, the MAD the weighted
 * median of the absolute deviations from it, times 1.4826 so it estimates the standard deviation of
 * Gaussian data. Each sketch's ranks are off by at most {@link #rankError()} of its count (99%
 * confidence), so the pooled ranks are off by at most that fraction of the total.
 *
 * <p>Items are stored as {@code float}s (4 bytes each) to keep two sketches of {@code k = 100}
 * under 4 KiB; values are rounded to float precision (relative 6e-8) on the way in. KLL draws its
 * compaction coins from one JVM-wide {@code Random} inside DataSketches, which is not part of the
 * state: a restored baseline continues exactly like the original given the same coins.
 *
 * <p>DataSketches 7 serializes through datasketches-memory 4, which on Java 17 needs the JVM flag
 * {@code --add-modules=jdk.incubator.foreign} (set for tests in the parent pom; a Flink cluster
 * needs it in {@code env.java.opts.all}).
 */
public final class RobustBaseline {

    /** Scale making the MAD a consistent estimator of a Gaussian standard deviation. */
    public static final double MAD_SCALE = 1.4826;

    public static final int DEFAULT_K = 100;
    public static final int DEFAULT_WINDOW = 4096;

    /** Format version of {@link #writeTo}, bumped whenever the layout changes. */
    private static final byte FORMAT = 1;

    private final int k;
    private final int window;
    private KllFloatsSketch previous;
    private KllFloatsSketch current;
    private long count;

    /** Cached answers, valid while {@code stale} is false. */
    private boolean stale = true;

    private double level = Double.NaN;
    private double spread = Double.NaN;

    /** A baseline with {@link #DEFAULT_K} and {@link #DEFAULT_WINDOW}. */
    public RobustBaseline() {
        this(DEFAULT_K, DEFAULT_WINDOW);
    }

    /**
     * @param k KLL accuracy parameter, 8 to 65535 (rank error about 1.65% at 200, 3.3% at 100)
     * @param window observations per sketch before it rotates, at least 1
     */
    public RobustBaseline(int k, int window) {
        if (k < 8 || k > KllFloatsSketch.MAX_K) {
            throw new IllegalArgumentException(
                    "k must be in [8, " + KllFloatsSketch.MAX_K + "], got " + k);
        }
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, got " + window);
        }
        this.k = k;
        this.window = window;
        this.previous = KllFloatsSketch.newHeapInstance(k);
        this.current = KllFloatsSketch.newHeapInstance(k);
    }

    /** Adds one observation. */
    public void update(double x) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("observation must be finite, got " + x);
        }
        float item = (float) x;
        if (Float.isInfinite(item)) {
            throw new IllegalArgumentException("observation overflows a float: " + x);
        }
        current.update(item);
        count++;
        stale = true;
        rotateIfFull();
    }

    private void rotateIfFull() {
        if (current.getN() >= window) {
            previous = current;
            current = KllFloatsSketch.newHeapInstance(k);
        }
    }

    /**
     * Folds {@code other}'s windows into this one's (current into current, previous into previous),
     * for baselines of partitions of one stream whose windows run roughly in step.
     */
    public void merge(RobustBaseline other) {
        if (other.k != k || other.window != window) {
            throw new IllegalArgumentException(
                    "can only merge baselines with the same k and window: this has k="
                            + k
                            + ", window="
                            + window
                            + "; other has k="
                            + other.k
                            + ", window="
                            + other.window);
        }
        if (other == this) {
            throw new IllegalArgumentException("cannot merge a baseline into itself");
        }
        previous.merge(other.previous);
        current.merge(other.current);
        count += other.count;
        stale = true;
        rotateIfFull();
    }

    /** Median of the recent observations; NaN before the first. */
    public double level() {
        refresh();
        return level;
    }

    /** MAD of the recent observations times {@link #MAD_SCALE}; NaN before the first. */
    public double spread() {
        refresh();
        return spread;
    }

    /**
     * {@code (x - level) / spread}: NaN before the first observation; when the spread is 0, 0 for
     * {@code x == level} and a signed infinity otherwise.
     */
    public double robustZ(double x) {
        refresh();
        double diff = x - level;
        if (spread == 0.0) {
            return diff == 0.0 ? 0.0 : Math.copySign(Double.POSITIVE_INFINITY, diff);
        }
        return diff / spread;
    }

    private void refresh() {
        if (!stale) {
            return;
        }
        stale = false;
        FloatsSortedView older = previous.isEmpty() ? null : previous.getSortedView();
        FloatsSortedView newer = current.isEmpty() ? null : current.getSortedView();
        int size = retained(older) + retained(newer);
        if (size == 0) {
            level = Double.NaN;
            spread = Double.NaN;
            return;
        }
        double[] values = new double[size];
        long[] weights = new long[size];
        long total = mergeSortedViews(older, newer, values, weights);
        double median = weightedMedian(values, weights, total);
        level = median;
        spread = MAD_SCALE * weightedMedianDeviation(values, weights, total, median);
    }

    private static int retained(FloatsSortedView view) {
        return view == null ? 0 : view.getQuantiles().length;
    }

    /**
     * Pools two sorted views into {@code values} (ascending) with their item weights; returns the
     * total weight. Linear, as both views are already sorted.
     */
    private static long mergeSortedViews(
            FloatsSortedView older, FloatsSortedView newer, double[] values, long[] weights) {
        float[] a = older == null ? new float[0] : older.getQuantiles();
        long[] ca = older == null ? new long[0] : older.getCumulativeWeights();
        float[] b = newer == null ? new float[0] : newer.getQuantiles();
        long[] cb = newer == null ? new long[0] : newer.getCumulativeWeights();
        int i = 0;
        int j = 0;
        int out = 0;
        while (i < a.length || j < b.length) {
            if (j == b.length || (i < a.length && a[i] <= b[j])) {
                values[out] = a[i];
                weights[out++] = ca[i] - (i == 0 ? 0 : ca[i - 1]);
                i++;
            } else {
                values[out] = b[j];
                weights[out++] = cb[j] - (j == 0 ? 0 : cb[j - 1]);
                j++;
            }
        }
        return (ca.length == 0 ? 0 : ca[ca.length - 1]) + (cb.length == 0 ? 0 : cb[cb.length - 1]);
    }

    /** Smallest value whose cumulative weight reaches half the total (KLL's inclusive rule). */
    private static double weightedMedian(double[] sortedValues, long[] weights, long total) {
        long cumulative = 0;
        for (int i = 0; i < sortedValues.length; i++) {
            cumulative += weights[i];
            if (2 * cumulative >= total) {
                return sortedValues[i];
            }
        }
        return sortedValues[sortedValues.length - 1];
    }

    /**
     * Weighted median of {@code |value - median|}: the deviations below and above the median are
     * each already sorted, so they are merged outwards from the median.
     */
    private static double weightedMedianDeviation(
            double[] sortedValues, long[] weights, long total, double median) {
        int up = 0;
        while (up < sortedValues.length && sortedValues[up] < median) {
            up++;
        }
        int down = up - 1;
        long cumulative = 0;
        double deviation = 0.0;
        while (down >= 0 || up < sortedValues.length) {
            double below = down >= 0 ? median - sortedValues[down] : Double.POSITIVE_INFINITY;
            double above =
                    up < sortedValues.length ? sortedValues[up] - median : Double.POSITIVE_INFINITY;
            if (above <= below) {
                deviation = above;
                cumulative += weights[up++];
            } else {
                deviation = below;
                cumulative += weights[down--];
            }
            if (2 * cumulative >= total) {
                return deviation;
            }
        }
        return deviation;
    }

    /** Normalised rank error of each sketch (and of their union) at 99% confidence. */
    public double rankError() {
        return KllFloatsSketch.getNormalizedRankError(k, false);
    }

    /** Observations the answers are drawn from: those in the previous and current windows. */
    public long windowCount() {
        return previous.getN() + current.getN();
    }

    /** All observations ever added, merged ones included. */
    public long count() {
        return count;
    }

    public int k() {
        return k;
    }

    public int window() {
        return window;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeInt(k);
        out.writeInt(window);
        out.writeLong(count);
        writeSketch(out, previous);
        writeSketch(out, current);
    }

    private static void writeSketch(DataOutput out, KllFloatsSketch sketch) throws IOException {
        byte[] bytes = sketch.toByteArray();
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    public static RobustBaseline readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unknown RobustBaseline state format " + format);
        }
        RobustBaseline baseline;
        try {
            baseline = new RobustBaseline(in.readInt(), in.readInt());
        } catch (IllegalArgumentException e) {
            throw new IOException("corrupt RobustBaseline state: " + e.getMessage(), e);
        }
        baseline.count = in.readLong();
        baseline.previous = readSketch(in);
        baseline.current = readSketch(in);
        if (baseline.previous.getK() != baseline.k || baseline.current.getK() != baseline.k) {
            throw new IOException(
                    "corrupt RobustBaseline state: sketch k differs from " + baseline.k);
        }
        return baseline;
    }

    private static KllFloatsSketch readSketch(DataInput in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > 1 << 24) {
            throw new IOException("corrupt RobustBaseline state: sketch of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        try {
            return KllFloatsSketch.heapify(Memory.wrap(bytes));
        } catch (RuntimeException e) {
            throw new IOException("corrupt RobustBaseline sketch: " + e.getMessage(), e);
        }
    }

    public byte[] toBytes() {
        return StateBytes.write(this::writeTo, 2048);
    }

    public static RobustBaseline fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, RobustBaseline::readFrom);
    }
}
