package io.hormesis.jobs.watch;

import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;
import org.apache.avro.SchemaNormalization;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * WATCH's fast path for the common case: reads an InferenceEvent written with the current schema
 * straight from its single-object bytes, every field in schema order, with bounds checks before
 * every read and {@link InferenceEventValidator}'s checks on the values, into reused fields and
 * without building the record. It <i>accepts</i> only a record that is well formed, written with
 * the current schema, ASCII in its identifiers and valid; anything else (an older writer schema,
 * bad bytes, a non-ASCII id, an invalid value) it <i>declines</i>, and the caller decodes that
 * record the general way ({@code AvroCodec} plus the validator), which accepts it or gives the dead
 * letter its exact reason. So the fast path changes speed, never a verdict: a differential test
 * holds it to the general path's decisions and values.
 */
final class InferenceEventReader {
    private static final int HEADER = 10;
    private static final long FINGERPRINT =
            SchemaNormalization.parsingFingerprint64(InferenceEvent.getClassSchema());
    private static final int STATUSES = InferenceStatus.values().length;

    private final long maxFutureSkewMillis;
    private final Set<String> knownDeployments;

    // The accepted record's values, valid until the next call of read.
    long eventTimeMillis;
    boolean ok;
    double latencyMs;
    double ttftMs;

    private byte[] bytes;
    private int pos;
    private int end;
    private int idStart;
    private int idLength;
    private int keyStart;
    private int keyEnd;
    private final int[] nameStart = new int[3];
    private final int[] nameLength = new int[3];

    InferenceEventReader(long maxFutureSkewMillis) {
        this(maxFutureSkewMillis, Set.of());
    }

    /**
     * @param knownDeployments as {@link InferenceEventValidator}'s: when not empty, an event of any
     *     other deployment is declined to the general path, which gives it its dead letter
     */
    InferenceEventReader(long maxFutureSkewMillis, Set<String> knownDeployments) {
        this.maxFutureSkewMillis = maxFutureSkewMillis;
        this.knownDeployments = Set.copyOf(knownDeployments);
    }

    /** The request id of the accepted record (built only when asked for). */
    String requestId() {
        return new String(bytes, idStart, idLength, StandardCharsets.ISO_8859_1);
    }

    /** The accepted record's deployment (built when asked for). */
    String deployment() {
        return name(0);
    }

    /** The accepted record's model name (built when asked for). */
    String modelName() {
        return name(1);
    }

    /** The accepted record's model version (built when asked for). */
    String modelVersion() {
        return name(2);
    }

    private String name(int i) {
        return new String(bytes, nameStart[i], nameLength[i], StandardCharsets.ISO_8859_1);
    }

    /** The bytes the accepted record's key names occupy (see {@link #keyStart()}). */
    byte[] bytes() {
        return bytes;
    }

    /**
     * Where the accepted record's deployment, model name and model version start in {@link
     * #bytes()}: their Avro encoding (length-prefixed, one after the other) up to {@link #keyEnd()}
     * identifies the key without building a string.
     */
    int keyStart() {
        return keyStart;
    }

    int keyEnd() {
        return keyEnd;
    }

    /** Reads one record; true when accepted, false to decline it to the general path. */
    boolean read(byte[] value) {
        if (value == null || value.length < HEADER || value[0] != (byte) 0xC3 || value[1] != 1) {
            return false;
        }
        long fingerprint = 0;
        for (int i = 9; i >= 2; i--) {
            fingerprint = (fingerprint << 8) | (value[i] & 0xFF);
        }
        if (fingerprint != FINGERPRINT) {
            return false;
        }
        bytes = value;
        pos = HEADER;
        end = value.length;
        try {
            return body();
        } catch (Decline d) {
            return false;
        }
    }

    private boolean body() {
        // requestId
        int len = id();
        idStart = pos - len;
        idLength = len;
        keyStart = pos;
        for (int i = 0; i < 3; i++) {
            len = id();
            nameStart[i] = pos - len;
            nameLength[i] = len;
        }
        keyEnd = pos;
        if (!knownDeployments.isEmpty() && !knownDeployments.contains(deployment())) {
            return false;
        }
        id(); // replica
        eventTimeMillis = readLong();
        latencyMs = readDouble();
        if (!(latencyMs >= 0 && latencyMs <= InferenceEventValidator.MAX_LATENCY_MS)) {
            return false;
        }
        int ttftBranch = readInt();
        if (ttftBranch == 0) {
            ttftMs = Double.NaN;
        } else if (ttftBranch == 1) {
            ttftMs = readDouble();
            if (!(ttftMs >= 0 && ttftMs <= InferenceEventValidator.MAX_LATENCY_MS)) {
                return false;
            }
        } else {
            return false;
        }
        if (readInt() < 0 || readInt() < 0) {
            return false; // token counts
        }
        int status = readInt();
        if (status < 0 || status >= STATUSES) {
            return false;
        }
        ok = status == InferenceStatus.OK.ordinal();
        int scoreBranch = readInt();
        if (scoreBranch == 1) {
            if (!Double.isFinite(readDouble())) {
                return false;
            }
        } else if (scoreBranch != 0) {
            return false;
        }
        // features: blocks of (string, double) until an empty block
        long features = 0;
        for (long count = readLong(); count != 0; count = readLong()) {
            if (count < 0) {
                return false; // sized blocks: left to the general path
            }
            features += count;
            if (features > InferenceEventValidator.MAX_FEATURES) {
                return false;
            }
            for (long i = 0; i < count; i++) {
                if (skipString() > InferenceEventValidator.MAX_ID_LENGTH) {
                    return false; // a long feature name: the validator measures it in chars
                }
                if (!Double.isFinite(readDouble())) {
                    return false;
                }
            }
        }
        if (pos != end) {
            return false;
        }
        long latest = System.currentTimeMillis() + maxFutureSkewMillis;
        return eventTimeMillis > 0 && eventTimeMillis <= latest;
    }

    /**
     * An identifier: its length must fit the record and the limit, its bytes ASCII and not all
     * whitespace (what the validator's isBlank means for ASCII). Returns its length; pos is after
     * it.
     */
    private int id() {
        long n = readLong();
        if (n < 1 || n > InferenceEventValidator.MAX_ID_LENGTH || n > end - pos) {
            throw Decline.INSTANCE;
        }
        int len = (int) n;
        boolean blank = true;
        for (int i = pos, stop = pos + len; i < stop; i++) {
            int c = bytes[i];
            if (c > ' ' && c < 0x7F) {
                blank = false; // printable ASCII other than space: the common case
            } else if (c != ' ') {
                // Non-ASCII (lengths in chars differ from bytes) or a control character (the
                // validator rejects those; the ASCII whitespace isBlank knows besides space is
                // all control characters, so after this only spaces can make an id blank).
                throw Decline.INSTANCE;
            }
        }
        if (blank) {
            throw Decline.INSTANCE;
        }
        pos += len;
        return len;
    }

    /** Skips a string; returns its length in bytes. */
    private long skipString() {
        long n = readLong();
        if (n < 0 || n > end - pos) {
            throw Decline.INSTANCE;
        }
        pos += (int) n;
        return n;
    }

    private long readLong() {
        long z = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw Decline.INSTANCE;
            }
            int b = bytes[pos++];
            z |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return (z >>> 1) ^ -(z & 1);
            }
        }
        throw Decline.INSTANCE;
    }

    private int readInt() {
        int z = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (pos >= end) {
                throw Decline.INSTANCE;
            }
            int b = bytes[pos++];
            z |= (b & 0x7F) << shift;
            if (b >= 0) {
                if (shift == 28 && (b & 0x70) != 0) {
                    throw Decline.INSTANCE; // more than 32 bits
                }
                return (z >>> 1) ^ -(z & 1);
            }
        }
        throw Decline.INSTANCE;
    }

    private double readDouble() {
        if (end - pos < 8) {
            throw Decline.INSTANCE;
        }
        long bits = 0;
        for (int i = 7; i >= 0; i--) {
            bits = (bits << 8) | (bytes[pos + i] & 0xFFL);
        }
        pos += 8;
        return Double.longBitsToDouble(bits);
    }

    /** Thrown inside a read to decline the record; preallocated, no stack trace. */
    private static final class Decline extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final Decline INSTANCE = new Decline();

        private Decline() {
            super(null, null, false, false);
        }
    }
}
