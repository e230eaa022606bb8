package io.hormesis.jobs.demo;

import org.apache.flink.configuration.Configuration;

import io.hormesis.jobs.HormesisJobs;
import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.kafka.ByteProducers;
import io.hormesis.jobs.kafka.KafkaBrokerProcess;
import org.apache.kafka.clients.producer.KafkaProducer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything Hormesis needs on one machine: a real Kafka broker process with the topics, a local
 * Iceberg warehouse, and the configuration that points the jobs at both.
 */
public final class LocalStack implements AutoCloseable {
    /** A key for local runs only: real deployments set their own secret. */
    public static final String DEMO_SIGNING_KEY = "hormesis-demo-key-do-not-use-in-production";

    /**
     * What CONTROL is told about the demo fleet: each replica serves about 6 req/s within the 1.5 s
     * p95 SLO (the demo runs 5 req/s per replica, so a slowdown shows at once). Callers' settings
     * override these.
     */
    public static final Map<String, String> DEMO_SETTINGS =
            Map.of(HormesisOptions.CONTROL_PRIOR_CAPACITY.key(), "6");

    private final KafkaBrokerProcess broker;
    private final Configuration config;

    private LocalStack(KafkaBrokerProcess broker, Configuration config) {
        this.broker = broker;
        this.config = config;
    }

    /**
     * Starts a broker under {@code dir/kafka} and creates the topics; the warehouse is {@code
     * dir/warehouse}. {@code settings} override the defaults.
     */
    public static LocalStack start(Path dir, Path kafkaLib, Map<String, String> settings)
            throws IOException {
        Files.createDirectories(dir);
        KafkaBrokerProcess broker = KafkaBrokerProcess.start(kafkaLib, dir.resolve("kafka"));
        try {
            Map<String, String> all = new LinkedHashMap<>();
            all.put(HormesisOptions.BOOTSTRAP_SERVERS.key(), broker.bootstrapServers());
            all.put(HormesisOptions.WAREHOUSE.key(), dir.resolve("warehouse").toString());
            all.put(HormesisOptions.CONTROL_SIGNING_KEY.key(), DEMO_SIGNING_KEY);
            all.putAll(DEMO_SETTINGS);
            all.putAll(settings);
            Configuration config = HormesisOptions.fromSettings(all);
            Map<String, Integer> topics = new LinkedHashMap<>();
            topics.put(config.get(HormesisOptions.TOPIC_INFERENCE_EVENTS), 2);
            topics.put(config.get(HormesisOptions.TOPIC_SIGNALS), 1);
            topics.put(config.get(HormesisOptions.TOPIC_COMMANDS), 1);
            topics.put(config.get(HormesisOptions.TOPIC_DEAD_LETTERS), 1);
            topics.put(config.get(HormesisOptions.TOPIC_RESOURCE_SAMPLES), 1);
            // The other topics LINEAGE reads (model events, outcomes, decisions, policy updates,
            // data batches, baselines).
            for (String topic : HormesisJobs.lineageTopics(config).keySet()) {
                topics.putIfAbsent(topic, 1);
            }
            broker.createTopics(topics);
            return new LocalStack(broker, config);
        } catch (IOException | RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    public KafkaBrokerProcess broker() {
        return broker;
    }

    public Configuration config() {
        return config;
    }

    /** An idempotent producer of raw bytes to the local broker. */
    public KafkaProducer<byte[], byte[]> producer() {
        return ByteProducers.create(broker.bootstrapServers());
    }

    public Timeline timeline(java.io.PrintStream out) {
        return new Timeline(
                broker.bootstrapServers(),
                config.get(HormesisOptions.TOPIC_SIGNALS),
                config.get(HormesisOptions.TOPIC_COMMANDS),
                config.get(HormesisOptions.TOPIC_DEAD_LETTERS),
                out);
    }

    @Override
    public void close() {
        broker.close();
    }
}
