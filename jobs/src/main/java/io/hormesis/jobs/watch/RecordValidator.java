package io.hormesis.jobs.watch;

import java.io.Serializable;

/** Semantic checks on a decoded record: values a real producer cannot have sent. */
@FunctionalInterface
public interface RecordValidator<T> extends Serializable {
    /**
     * @return why the record is invalid, or {@code null} if it is valid
     */
    String problem(T record);

    static <T> RecordValidator<T> acceptAll() {
        return record -> null;
    }
}
