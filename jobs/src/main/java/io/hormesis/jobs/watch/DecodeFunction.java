package io.hormesis.jobs.watch;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.DecodeException;
import org.apache.avro.specific.SpecificRecordBase;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Objects;

/**
 * Decodes Kafka bytes into Avro records. A record that does not decode, or decodes to impossible
 * values, goes whole to the {@link #DEAD_LETTERS} side output with its source position and the
 * reason; nothing is dropped silently, and bad input never fails the job.
 */
public class DecodeFunction<T extends SpecificRecordBase> extends ProcessFunction<RawRecord, T> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    private final Class<T> recordClass;
    private final RecordValidator<T> validator;

    private transient AvroCodec<T> codec;
    private transient Counter recordsIn;
    private transient Counter deadLetters;

    public DecodeFunction(Class<T> recordClass, RecordValidator<T> validator) {
        this.recordClass = Objects.requireNonNull(recordClass, "recordClass");
        this.validator = Objects.requireNonNull(validator, "validator");
    }

    public TypeInformation<T> producedType() {
        return new AvroTypeInfo<>(recordClass);
    }

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
        codec = AvroCodec.of(recordClass);
        recordsIn = getRuntimeContext().getMetricGroup().addGroup("hormesis").counter("records_in");
        deadLetters =
                getRuntimeContext().getMetricGroup().addGroup("hormesis").counter("dead_letters");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<T> out) {
        recordsIn.inc();
        T record;
        try {
            record = codec.decode(raw.getValue());
        } catch (DecodeException e) {
            reject(raw, e.reason().name(), e.getMessage(), ctx);
            return;
        }
        String problem;
        String code = DecodeException.Reason.INVALID.name();
        try {
            problem = validator.problem(record);
            if (problem != null) {
                code = validator.reasonCode(record, problem);
            }
        } catch (RuntimeException e) {
            problem = "validation failed: " + e;
        }
        if (problem != null) {
            reject(raw, code, problem, ctx);
            return;
        }
        out.collect(record);
    }

    private void reject(RawRecord raw, String code, String reason, Context ctx) {
        deadLetters.inc();
        ctx.output(DEAD_LETTERS, deadLetter(raw, code, reason, Instant.now()));
    }

    /** The dead letter for a raw record: its bytes, position and reason. */
    public static DeadLetter deadLetter(RawRecord raw, String code, String reason, Instant at) {
        return DeadLetter.newBuilder()
                .setSourceTopic(raw.getTopic())
                .setSourcePartition(raw.getPartition())
                .setSourceOffset(raw.getOffset())
                .setRecordTimestamp(Instant.ofEpochMilli(Math.max(0, raw.getTimestamp())))
                .setReasonCode(code)
                .setReason(reason == null ? code : reason)
                .setRawKey(raw.getKey() == null ? null : ByteBuffer.wrap(raw.getKey()))
                .setRawValue(raw.getValue() == null ? null : ByteBuffer.wrap(raw.getValue()))
                .setDetectedAt(at)
                .build();
    }
}
