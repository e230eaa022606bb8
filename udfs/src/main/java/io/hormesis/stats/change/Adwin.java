package io.hormesis.stats.change;

import io.hormesis.stats.StateBytes;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * ADWIN, the adaptive sliding window of Bifet and Gavaldà ("Learning from time-changing data with
 * adaptive windowing", SDM 2007, ADWIN2): keeps the longest recent window whose mean is consistent
 * with "no change", and drops its older part when two sub-windows differ by more than a bound that
 * holds with confidence {@code 1 - delta}. The window's mean is then an estimate that adapts.
 *
 * <p>Decisions are those of MOA's {@code moa.classifiers.core.driftdetection.ADWIN} (release
 * 2024.07.0), checked bit for bit in the tests: an exponential histogram of at most {@value
 * #MAX_BUCKETS} buckets per row (row {@code i} holds buckets of {@code 2^i} observations), cuts
 * checked every {@code clock} observations once the window exceeds {@value #MIN_CHECKED_WINDOW},
 * both sub-windows longer than {@value #MIN_SUB_WINDOW} + 1, and MOA's bound {@code eps = sqrt(2 m
 * v dd) + 2/3 dd m} with {@code dd = ln(2 ln(n) / delta)}, {@code m = 1/(n0 - 4) + 1/(n1 - 4)} and
 * {@code v} the window's variance. Two differences, both only where MOA is wrong: the bucket
 * arithmetic is in doubles where MOA multiplies two {@code int}s, which overflows once a window
 * holds buckets of 2^16 observations (about 330,000 observations); and MOA's per-sub-window
 * variances, which its bound never reads, are not computed.
 *
 * <p>Made for speed, with the same decisions: the histogram is flat primitive arrays with each row
 * a ring (no object per bucket or row, no shifting), nothing is allocated per observation, the
 * bound's logarithms are computed once per check rather than once per bucket as MOA does, and a
 * conservative pre-check, with no division or square root, passes over the splits that cannot cut.
 * The state is {@code O(log window)}: about 1.3 KiB for a window of a million observations.
 */
public final class Adwin implements ChangeDetector {
    /** Confidence parameter of MOA's ADWIN by default. */
    public static final double DEFAULT_DELTA = 0.002;

    /** How often (in observations) the window is checked for a cut, as in MOA. */
    public static final int DEFAULT_CLOCK = 32;

    /** Buckets kept per row of the exponential histogram (MOA's {@code MAXBUCKETS}). */
    public static final int MAX_BUCKETS = 5;

    /** The window is checked only when longer than this (MOA's {@code mintMinimLongitudWindow}). */
    static final int MIN_CHECKED_WINDOW = 10;

    /** Sub-window length offset of the bound (MOA's {@code mintMinWinLength}). */
    static final int MIN_SUB_WINDOW = 5;

    /**
     * Slots per row, a ring: a row briefly holds one bucket more than {@link #MAX_BUCKETS}, and a
     * power of two makes the ring index a mask.
     */
    private static final int SLOTS = 8;

    private static final int RING = SLOTS - 1;

    private static final int VERSION = 1;

    /**
     * Bytes of the fixed part of {@link #toBytes()}; each row in use adds at most {@link
     * #ROW_BYTES}.
     */
    static final int HEADER_BYTES = 1 + 8 + 4 + 8 + 8 + 4 + 8 + 8 + 4;

    static final int ROW_BYTES = 1 + MAX_BUCKETS * 16;

    private final double delta;
    private final int clock;

    private long time;

    /** Observations until the next check: {@code time % clock == 0} without a division. */
    private int untilCheck;

    private long detections;
    private int width;
    private double total;
    private double variance;

    /** Rows in use; row 0 holds the newest, single-observation buckets. */
    private int rows;

    private int[] rowSize;

    /** Ring position of each row's oldest bucket. */
    private int[] rowHead;

    /**
     * Bucket sums and variance sums: bucket {@code k} (0 the oldest) of row {@code i} at {@code i *
     * SLOTS + ((rowHead[i] + k) & RING)}.
     */
    private double[] totals;

    private double[] variances;

    public Adwin() {
        this(DEFAULT_DELTA, DEFAULT_CLOCK);
    }

    public Adwin(double delta) {
        this(delta, DEFAULT_CLOCK);
    }

    /**
     * @param delta confidence parameter in (0, 1): a smaller delta makes fewer false alarms and
     *     slower detections
     * @param clock check for a cut every {@code clock} observations, at least 1
     */
    public Adwin(double delta, int clock) {
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
        }
        if (clock < 1) {
            throw new IllegalArgumentException("clock must be >= 1, got " + clock);
        }
        this.delta = delta;
        this.clock = clock;
        this.untilCheck = clock;
        allocate(8);
    }

    private void allocate(int rowCapacity) {
        rowSize = new int[rowCapacity];
        rowHead = new int[rowCapacity];
        totals = new double[rowCapacity * SLOTS];
        variances = new double[rowCapacity * SLOTS];
        rows = 1;
    }

    @Override
    public boolean update(double x) {
        StateBytes.checkFinite(x);
        time++;
        insert(x);
        boolean change = false;
        if (--untilCheck == 0) {
            untilCheck = clock;
            if (width > MIN_CHECKED_WINDOW) {
                while (cutOldest()) {
                    change = true;
                }
            }
        }
        if (change) {
            detections++;
        }
        return change;
    }

    private void insert(double x) {
        width++;
        int slot = (rowHead[0] + rowSize[0]++) & RING;
        totals[slot] = x;
        variances[slot] = 0;
        if (width > 1) {
            double d = x - total / (width - 1);
            variance += (width - 1) * d * d / width;
        }
        total += x;
        compress();
    }

    /** Merges the two oldest buckets of every full row into one bucket of the next row. */
    private void compress() {
        int row = 0;
        while (rowSize[row] == MAX_BUCKETS + 1) {
            if (row + 1 == rows) {
                if (rows == rowSize.length) {
                    grow();
                }
                rowSize[rows] = 0;
                rowHead[rows] = 0;
                rows++;
            }
            int base = row * SLOTS;
            int first = base + rowHead[row];
            int second = base + ((rowHead[row] + 1) & RING);
            // Bucket sizes are powers of two, so dividing by them is multiplying by their exact
            // inverse: bit for bit the same as MOA's divisions, and faster.
            double n = 1 << row;
            double inverse = 1.0 / n;
            double u1 = totals[first] * inverse;
            double u2 = totals[second] * inverse;
            double merged = n * n * (u1 - u2) * (u1 - u2) * (0.5 * inverse);
            int next = (row + 1) * SLOTS + ((rowHead[row + 1] + rowSize[row + 1]++) & RING);
            totals[next] = totals[first] + totals[second];
            variances[next] = variances[first] + variances[second] + merged;
            rowHead[row] = (rowHead[row] + 2) & RING;
            rowSize[row] -= 2;
            if (rowSize[row + 1] <= MAX_BUCKETS) {
                break;
            }
            row++;
        }
    }

    private void grow() {
        int capacity = rowSize.length * 2;
        rowSize = Arrays.copyOf(rowSize, capacity);
        rowHead = Arrays.copyOf(rowHead, capacity);
        totals = Arrays.copyOf(totals, capacity * SLOTS);
        variances = Arrays.copyOf(variances, capacity * SLOTS);
    }

    /**
     * One pass over the split points, oldest first; drops the oldest bucket at the first split
     * whose two sub-windows' means differ by more than the bound.
     *
     * @return whether a bucket was dropped (then another pass follows)
     */
    private boolean cutOldest() {
        // The bound depends on the split only through n0 and n1: its logarithm is constant per
        // pass.
        double dd = Math.log(2 * Math.log(width) / delta);
        double windowVariance = variance / width;
        // The bound grows with m = 1/(n0 - 4) + 1/(n1 - 4), smallest at n0 = n1 = width / 2: a
        // split
        // whose difference is under the bound there (less a margin far above rounding error) cannot
        // cut, which spares the exact bound's two divisions and square root at almost every split.
        double smallestM = 4.0 / (width - 2 * (MIN_SUB_WINDOW - 1));
        double floor =
                (Math.sqrt(2 * smallestM * windowVariance * dd) + 2.0 / 3 * dd * smallestM)
                        * (1 - 1e-9);
        int n0 = 0;
        int n1 = width;
        double u0 = 0;
        double u1 = total;
        for (int row = rows - 1; row >= 0; row--) {
            int size = rowSize[row];
            int head = rowHead[row];
            int bucketSize = 1 << row;
            int base = row * SLOTS;
            for (int k = 0; k < size; k++) {
                double bucketTotal = totals[base + ((head + k) & RING)];
                n0 += bucketSize;
                n1 -= bucketSize;
                u0 += bucketTotal;
                u1 -= bucketTotal;
                if (row == 0 && k == size - 1) {
                    return false;
                }
                if (n1 > MIN_SUB_WINDOW + 1 && n0 > MIN_SUB_WINDOW + 1) {
                    // |u0/n0 - u1/n1| <= floor, cross-multiplied to spare two divisions; the slack
                    // (1e-12, thousands of times the rounding error of either form) keeps it
                    // conservative, so a split it skips could not have cut.
                    double cross = u0 * n1 - u1 * n0;
                    double slack = 1e-12 * (Math.abs(u0) * n1 + Math.abs(u1) * n0);
                    if (Math.abs(cross) + slack <= floor * ((double) n0 * n1)) {
                        continue;
                    }
                    double difference = (u0 / n0) - (u1 / n1);
                    if (exceedsBound(n0, n1, difference, windowVariance, dd)) {
                        dropOldestBucket();
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean exceedsBound(
            int n0, int n1, double difference, double windowVariance, double dd) {
        double m = 1.0 / (n0 - MIN_SUB_WINDOW + 1) + 1.0 / (n1 - MIN_SUB_WINDOW + 1);
        double epsilon = Math.sqrt(2 * m * windowVariance * dd) + 2.0 / 3 * dd * m;
        return Math.abs(difference) > epsilon;
    }

    private void dropOldestBucket() {
        int row = rows - 1;
        int n1 = 1 << row;
        int oldest = row * SLOTS + rowHead[row];
        width -= n1;
        total -= totals[oldest];
        double u1 = totals[oldest] / n1;
        double d = u1 - total / width;
        variance -= variances[oldest] + (double) n1 * width * d * d / (n1 + width);
        rowHead[row] = (rowHead[row] + 1) & RING;
        if (--rowSize[row] == 0) {
            rows--;
        }
    }

    @Override
    public long count() {
        return time;
    }

    @Override
    public void reset() {
        time = 0;
        untilCheck = clock;
        detections = 0;
        width = 0;
        total = 0;
        variance = 0;
        allocate(8);
    }

    /** Observations in the current window. */
    public int width() {
        return width;
    }

    /** Mean of the current window (NaN while it is empty). */
    public double mean() {
        return total / width;
    }

    /** Population variance of the current window (NaN while it is empty). */
    public double variance() {
        return variance / width;
    }

    /** Sum of the current window. */
    public double total() {
        return total;
    }

    /** Observations at which a change was detected so far. */
    public long detections() {
        return detections;
    }

    /** Buckets currently held, over all rows. */
    public int buckets() {
        int buckets = 0;
        for (int row = 0; row < rows; row++) {
            buckets += rowSize[row];
        }
        return buckets;
    }

    public double delta() {
        return delta;
    }

    public int clock() {
        return clock;
    }

    /**
     * The whole state (parameters included) with a version byte: {@link #HEADER_BYTES} plus at most
     * {@link #ROW_BYTES} per row of the histogram, and a window of {@code w} observations uses at
     * most {@code floor(log2(w / MAX_BUCKETS + 1)) + 1} rows.
     */
    public byte[] toBytes() {
        return StateBytes.write(this::writeTo, HEADER_BYTES + rows * ROW_BYTES);
    }

    public static Adwin fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, Adwin::readFrom);
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(VERSION);
        out.writeDouble(delta);
        out.writeInt(clock);
        out.writeLong(time);
        out.writeLong(detections);
        out.writeInt(width);
        out.writeDouble(total);
        out.writeDouble(variance);
        out.writeInt(rows);
        for (int row = 0; row < rows; row++) {
            out.writeByte(rowSize[row]);
            int base = row * SLOTS;
            for (int k = 0; k < rowSize[row]; k++) {
                int slot = base + ((rowHead[row] + k) & RING);
                out.writeDouble(totals[slot]);
                out.writeDouble(variances[slot]);
            }
        }
    }

    public static Adwin readFrom(DataInput in) throws IOException {
        StateBytes.checkVersion(in, VERSION, "Adwin");
        Adwin adwin = new Adwin(in.readDouble(), in.readInt());
        adwin.time = in.readLong();
        adwin.untilCheck = adwin.clock - (int) (adwin.time % adwin.clock);
        adwin.detections = in.readLong();
        adwin.width = in.readInt();
        adwin.total = in.readDouble();
        adwin.variance = in.readDouble();
        int rows = in.readInt();
        if (rows < 1 || rows > Integer.SIZE) {
            throw new IllegalArgumentException("corrupt Adwin state: " + rows + " rows");
        }
        adwin.allocate(Math.max(8, Integer.highestOneBit(rows) * 2));
        adwin.rows = rows;
        for (int row = 0; row < rows; row++) {
            int size = in.readUnsignedByte();
            if (size > MAX_BUCKETS) {
                throw new IllegalArgumentException("corrupt Adwin state: row of " + size);
            }
            adwin.rowSize[row] = size;
            int base = row * SLOTS;
            for (int k = 0; k < size; k++) {
                adwin.totals[base + k] = in.readDouble();
                adwin.variances[base + k] = in.readDouble();
            }
        }
        return adwin;
    }
}
