package io.hormesis.jobs.watch;

import java.io.Serializable;

/** Semantic checks on a decoded record: values a real producer cannot have sent. */
@FunctionalInterface
public interface RecordValidator<T> extends Serializable {
    /**
     * @return why the record is invalid, or {@code null} if it is valid
     */
    String problem(T record);

    /**
     * The dead-letter reason code for a {@code problem} this validator found in {@code record}:
     * {@code INVALID} unless a validator tells its problems apart.
     */
    default String reasonCode(T record, String problem) {
        return "INVALID";
    }

    static <T> RecordValidator<T> acceptAll() {
        return record -> null;
    }
}
