package io.hormesis.jobs.watch;

import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.util.function.SerializableFunction;

import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.DecodeException;
import org.apache.avro.specific.SpecificRecordBase;

import java.time.Instant;
import java.util.Objects;

/**
 * The event time a Kafka record carries in its Avro body, for a source's watermarks: the record is
 * decoded and validated as {@link DecodeFunction} will decode and validate it downstream, and a
 * record that will become a dead letter gets {@link Long#MIN_VALUE}, so it never moves a watermark
 * (a far-future timestamp in a bad record would otherwise make every later record late).
 *
 * <p>Used in the source, so each Kafka partition has its own watermark: after a restart with a
 * backlog the source may read one partition far ahead of another, and the slower one's records are
 * not late because of it. The Kafka timestamp is not used: a replaying producer sets it to the wall
 * time of the replay.
 */
public final class DecodedEventTime<T extends SpecificRecordBase>
        implements SerializableTimestampAssigner<RawRecord> {
    private static final long serialVersionUID = 1L;

    private final Class<T> recordClass;
    private final RecordValidator<T> validator;
    private final SerializableFunction<T, Instant> eventTime;

    private transient AvroCodec<T> codec;

    public DecodedEventTime(
            Class<T> recordClass,
            RecordValidator<T> validator,
            SerializableFunction<T, Instant> eventTime) {
        this.recordClass = Objects.requireNonNull(recordClass, "recordClass");
        this.validator = Objects.requireNonNull(validator, "validator");
        this.eventTime = Objects.requireNonNull(eventTime, "eventTime");
    }

    @Override
    public long extractTimestamp(RawRecord raw, long kafkaTimestamp) {
        if (codec == null) {
            codec = AvroCodec.of(recordClass);
        }
        try {
            T record = codec.decode(raw.getValue());
            if (validator.problem(record) != null) {
                return Long.MIN_VALUE;
            }
            Instant time = eventTime.apply(record);
            return time == null ? Long.MIN_VALUE : time.toEpochMilli();
        } catch (DecodeException | RuntimeException e) {
            // DecodeFunction turns it into a dead letter with the reason.
            return Long.MIN_VALUE;
        }
    }
}
