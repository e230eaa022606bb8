package io.hormesis.jobs.kafka;

import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;

import io.hormesis.schema.AvroCodec;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Writes Avro records to one topic in single-object encoding, keyed by a field (the deployment), so
 * that every record of one deployment lands in one partition, in order.
 */
public final class AvroRecordSerializer<T extends SpecificRecord>
        implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final AvroCodec<T> codec;
    private final SerializableFunction<T, String> key;
    private final Class<T> recordClass;

    private transient SinkMetrics metrics;

    public AvroRecordSerializer(
            String topic, Class<T> recordClass, SerializableFunction<T, String> key) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.recordClass = Objects.requireNonNull(recordClass, "recordClass");
        this.codec = AvroCodec.of(recordClass);
        this.key = Objects.requireNonNull(key, "key");
    }

    @Override
    public void open(
            SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        metrics = SinkMetrics.forType(recordClass, context.getMetricGroup());
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            T element, KafkaSinkContext context, Long timestamp) {
        if (metrics != null) {
            metrics.record(element);
        }
        return new ProducerRecord<>(
                topic,
                null,
                timestamp,
                key.apply(element).getBytes(StandardCharsets.UTF_8),
                codec.encode(element));
    }
}
