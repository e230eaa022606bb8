package io.hormesis.stats.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * The recent distribution of one quantity: the last {@code capacity} kept values (every {@code
 * stride}-th observation), held both in arrival order and sorted, with tail probabilities that
 * extend past the observed extremes by an exponential tail fitted between the window's q95 and q99
 * (peaks over threshold), so a value far beyond anything seen gets a correspondingly tiny
 * probability, not just {@code 1/(n+1)}. Within the window's range the tail is never rarer than the
 * window's own count of values as extreme, {@code k/(n+1)}: a spike that recurs a few times a week
 * stays as probable as it has been, whatever the bulk's tail would extrapolate to.
 *
 * <p>Why a sorted window and not a quantile sketch: the state is exact and small (one float per
 * kept value, so 4 bytes each), a restored copy continues bit for bit, taking a snapshot does not
 * touch the live state (a t-digest compresses itself when serialized), the same input always gives
 * the same answers (KLL compacts with an unseeded static random generator), and an update costs a
 * binary search and one array move instead of a sketch merge per query.
 */
final class WindowReference {
    /** Smallest probability reported; keeps -log(p) finite. */
    static final double MIN_PROBABILITY = 1e-12;

    private static final double LN5 = Math.log(5);

    private final float[] ring;
    private final float[] sorted;
    private final int stride;
    private int size;
    private int head;
    private int phase;

    WindowReference(int capacity, int stride) {
        if (capacity < 20 || stride < 1) {
            throw new IllegalArgumentException(
                    "a reference window needs capacity >= 20 and stride >= 1, got "
                            + capacity
                            + " and "
                            + stride);
        }
        this.ring = new float[capacity];
        this.sorted = new float[capacity];
        this.stride = stride;
    }

    void add(double x) {
        boolean keep = phase == 0;
        phase = (phase + 1) % stride;
        if (!keep) {
            return;
        }
        float v = (float) x + 0.0f; // one zero: -0.0 and 0.0 sort apart

        if (size == ring.length) {
            float oldest = ring[head];
            int at = Arrays.binarySearch(sorted, 0, size, oldest);
            System.arraycopy(sorted, at + 1, sorted, at, size - at - 1);
            size--;
        }
        ring[head] = v;
        head = (head + 1) % ring.length;
        int at = Arrays.binarySearch(sorted, 0, size, v);
        if (at < 0) {
            at = -at - 1;
        }
        System.arraycopy(sorted, at, sorted, at + 1, size - at);
        sorted[at] = v;
        size++;
    }

    int size() {
        return size;
    }

    /** P(X >= x). */
    double upper(double x) {
        if (size == 0) {
            return 1.0;
        }
        double floor = 1.0 / (size + 1);
        double q95 = quantile(0.95);
        if (x > q95) {
            double scale = (quantile(0.99) - q95) / LN5;
            if (scale > 0) {
                double tail = Math.max(0.05 * Math.exp(-(x - q95) / scale), MIN_PROBABILITY);
                // Never rarer than the window says: values at or above x that it holds count.
                return Math.max(tail, (size - firstAtLeast((float) x)) / (size + 1.0));
            }
            if (x > sorted[size - 1]) {
                return floor;
            }
        }
        return Math.max(1 - midRank(x), floor);
    }

    /** P(X <= x). */
    double lower(double x) {
        if (size == 0) {
            return 1.0;
        }
        double floor = 1.0 / (size + 1);
        double q05 = quantile(0.05);
        if (x < q05) {
            double scale = (q05 - quantile(0.01)) / LN5;
            if (scale > 0) {
                double tail = Math.max(0.05 * Math.exp(-(q05 - x) / scale), MIN_PROBABILITY);
                return Math.max(tail, firstAbove((float) x) / (size + 1.0));
            }
            if (x < sorted[0]) {
                return floor;
            }
        }
        return Math.max(midRank(x), floor);
    }

    /** Two-sided tail probability, at most 1. */
    double twoSided(double x) {
        return Math.min(1.0, 2 * Math.min(upper(x), lower(x)));
    }

    /** The q-quantile of the window, interpolating linearly between order statistics. */
    double quantile(double q) {
        if (size == 0) {
            return Double.NaN;
        }
        double position = q * (size - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(below + 1, size - 1);
        double fraction = position - below;
        return sorted[below] + fraction * (sorted[above] - sorted[below]);
    }

    /** The empirical CDF at x with ties counted half: (#below + #equal / 2) / n. */
    private double midRank(double x) {
        float v = (float) x;
        int below = firstAtLeast(v);
        // A few ties are stepped over; a long run of them (a flat series) is binary-searched.
        int notAbove = below;
        int limit = Math.min(size, below + 8);
        while (notAbove < limit && sorted[notAbove] == v) {
            notAbove++;
        }
        if (notAbove == limit && limit < size && sorted[limit] == v) {
            notAbove = firstAbove(v);
        }
        return (below + 0.5 * (notAbove - below)) / size;
    }

    private int firstAtLeast(float v) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private int firstAbove(float v) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Writes the kept values in arrival order and the decimation phase. */
    void writeTo(DataOutput out) throws IOException {
        out.writeInt(size);
        out.writeInt(phase);
        int start = size == ring.length ? head : 0;
        for (int i = 0; i < size; i++) {
            out.writeFloat(ring[(start + i) % ring.length]);
        }
    }

    static WindowReference readFrom(DataInput in, int capacity, int stride) throws IOException {
        WindowReference reference = new WindowReference(capacity, stride);
        int size = in.readInt();
        int phase = in.readInt();
        if (size < 0 || size > capacity || phase < 0 || phase >= stride) {
            throw new IOException(
                    "reference window state does not fit its settings: size "
                            + size
                            + " of "
                            + capacity
                            + ", phase "
                            + phase
                            + " of "
                            + stride);
        }
        for (int i = 0; i < size; i++) {
            reference.ring[i] = in.readFloat();
        }
        reference.size = size;
        reference.head = size % capacity;
        System.arraycopy(reference.ring, 0, reference.sorted, 0, size);
        Arrays.sort(reference.sorted, 0, size);
        reference.phase = phase;
        return reference;
    }

    /** Bytes {@link #writeTo} writes. */
    int serializedBytes() {
        return 2 * Integer.BYTES + size * Float.BYTES;
    }
}
