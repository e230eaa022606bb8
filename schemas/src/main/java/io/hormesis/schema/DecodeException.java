package io.hormesis.schema;

/** Bytes that are not a valid single-object-encoded record of the expected type. */
public final class DecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the bytes; stable names, used as dead-letter reason codes. */
    public enum Reason {
        /** No value at all (a tombstone or an empty record). */
        EMPTY,
        /** Not single-object encoded: wrong marker or too short for one. */
        BAD_HEADER,
        /** Single-object header, but no known version of the schema has that fingerprint. */
        UNKNOWN_SCHEMA,
        /** The body ends before the record does. */
        TRUNCATED,
        /** The body does not decode as the writer schema. */
        CORRUPT,
        /** Decodes, but its values are impossible (negative latency, NaN, ...). */
        INVALID
    }

    private final Reason reason;

    public DecodeException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
