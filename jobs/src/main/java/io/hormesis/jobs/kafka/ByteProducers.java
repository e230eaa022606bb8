package io.hormesis.jobs.kafka;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.Properties;

/** Producers of raw bytes (records already in single-object encoding). */
public final class ByteProducers {
    private ByteProducers() {}

    /** Idempotent, all replicas acknowledging: a record is neither lost nor duplicated. */
    public static KafkaProducer<byte[], byte[]> create(String bootstrapServers) {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrapServers);
        props.put("acks", "all");
        props.put("enable.idempotence", "true");
        props.put("linger.ms", "5");
        props.put("key.serializer", ByteArraySerializer.class.getName());
        props.put("value.serializer", ByteArraySerializer.class.getName());
        return new KafkaProducer<>(props);
    }
}
