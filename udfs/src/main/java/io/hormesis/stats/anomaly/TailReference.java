package io.hormesis.stats.anomaly;

import com.tdunning.math.stats.MergingDigest;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The recent distribution of one quantity, as two t-digests of consecutive epochs (so it covers the
 * last one to two epochs and forgets older behaviour), with tail probabilities that extend past the
 * observed extremes by an exponential tail fitted to the outer 5 % (peaks over threshold): a value
 * far beyond anything seen gets a correspondingly tiny probability, not just {@code 1/(n+1)}.
 *
 * <p>t-digest rather than a KLL sketch: the same input in the same order gives the same digest, so
 * a job replaying from a checkpoint scores exactly as it did the first time (KLL compacts with an
 * unseeded static random generator; the NAB score moved between 55.5 and 57.2 across runs).
 */
final class TailReference {
    /** Smallest probability reported; keeps -log(p) finite. */
    static final double MIN_PROBABILITY = 1e-12;

    private final double compression;
    private final int epoch;
    private MergingDigest previous;
    private MergingDigest current;
    private MergingDigest merged;

    TailReference(double compression, int epoch) {
        this.compression = compression;
        this.epoch = epoch;
        this.current = digest(compression);
    }

    /**
     * A digest whose merges do not depend on how many merges came before (t-digest alternates the
     * sort direction of successive merges by default, a counter its serial form omits).
     */
    private static MergingDigest digest(double compression) {
        MergingDigest digest = new MergingDigest(compression);
        digest.useAlternatingSort = false;
        return digest;
    }

    void add(double x) {
        current.add(x);
        merged = null;
        if (current.size() >= epoch) {
            previous = current;
            current = digest(compression);
        }
    }

    long count() {
        return (previous == null ? 0 : previous.size()) + current.size();
    }

    /** P(X >= x). */
    double upper(double x) {
        MergingDigest s = view();
        double floor = 1.0 / (s.size() + 1);
        double q95 = s.quantile(0.95);
        if (x > q95) {
            double scale = (s.quantile(0.99) - q95) / Math.log(5);
            if (scale > 0) {
                return Math.max(0.05 * Math.exp(-(x - q95) / scale), MIN_PROBABILITY);
            }
            if (x > s.getMax()) {
                return floor;
            }
        }
        return Math.max(1 - s.cdf(x), floor);
    }

    /** P(X <= x). */
    double lower(double x) {
        MergingDigest s = view();
        double floor = 1.0 / (s.size() + 1);
        double q05 = s.quantile(0.05);
        if (x < q05) {
            double scale = (q05 - s.quantile(0.01)) / Math.log(5);
            if (scale > 0) {
                return Math.max(0.05 * Math.exp(-(q05 - x) / scale), MIN_PROBABILITY);
            }
            if (x < s.getMin()) {
                return floor;
            }
        }
        return Math.max(s.cdf(x), floor);
    }

    /** Two-sided tail probability, at most 1. */
    double twoSided(double x) {
        return Math.min(1.0, 2 * Math.min(upper(x), lower(x)));
    }

    void writeTo(DataOutput out) throws IOException {
        out.writeBoolean(previous != null);
        if (previous != null) {
            writeDigest(previous, out);
        }
        writeDigest(current, out);
    }

    static TailReference readFrom(DataInput in, double compression, int epoch) throws IOException {
        TailReference reference = new TailReference(compression, epoch);
        if (in.readBoolean()) {
            reference.previous = readDigest(in);
        }
        reference.current = readDigest(in);
        return reference;
    }

    private static void writeDigest(MergingDigest digest, DataOutput out) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(digest.byteSize());
        digest.asBytes(buffer);
        out.writeInt(buffer.position());
        out.write(buffer.array(), 0, buffer.position());
    }

    private static MergingDigest readDigest(DataInput in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        MergingDigest digest = MergingDigest.fromBytes(ByteBuffer.wrap(bytes));
        digest.useAlternatingSort = false;
        return digest;
    }

    /** Serialized size of the sketches, for state-size accounting. */
    int serializedBytes() {
        return bytes(current) + (previous == null ? 0 : bytes(previous));
    }

    private static int bytes(MergingDigest digest) {
        digest.compress();
        ByteBuffer buffer = ByteBuffer.allocate(digest.smallByteSize());
        digest.asSmallBytes(buffer);
        return buffer.position();
    }

    private MergingDigest view() {
        if (merged == null) {
            if (previous == null) {
                merged = current;
            } else {
                MergingDigest m = digest(compression);
                m.add(previous);
                m.add(current);
                merged = m;
            }
        }
        return merged;
    }
}
