package io.hormesis.jobs.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker child process end to end: transactions are honoured by read_committed consumers, and
 * committed records survive a SIGKILL and a restart on the same ports and data.
 */
class KafkaBrokerProcessITCase {
    private static final String TOPIC = "broker-it";
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    private static final List<String> COMMITTED = List.of("c-0", "c-1", "c-2", "c-3", "c-4");
    private static final List<String> ABORTED = List.of("a-0", "a-1", "a-2");

    @Test
    void committedRecordsSurviveAKillAndARestart() throws Exception {
        Path workDir =
                Files.createTempDirectory(
                        Path.of(System.getProperty("java.io.tmpdir")), "kafka-broker-it");
        KafkaBrokerProcess broker =
                KafkaBrokerProcess.start(KafkaBrokerProcess.resolveLibDir(), workDir);
        ProcessHandle restarted;
        try {
            assertThat(broker.workDir()).isEqualTo(workDir.toAbsolutePath().normalize());
            broker.createTopics(Map.of(TOPIC, 2));
            // A second call (a rerun of the demo) must not fail on the existing topic.
            broker.createTopics(Map.of(TOPIC, 2));

            produceOneCommittedAndOneAbortedTransaction(broker.bootstrapServers());
            assertThat(readCommitted(broker.bootstrapServers()))
                    .containsExactlyInAnyOrderElementsOf(COMMITTED);

            String bootstrap = broker.bootstrapServers();
            ProcessHandle killed = ProcessHandle.of(broker.pid()).orElseThrow();
            broker.kill();
            assertThat(killed.isAlive()).isFalse();

            broker.restart();
            restarted = ProcessHandle.of(broker.pid()).orElseThrow();
            assertThat(restarted.pid()).isNotEqualTo(killed.pid());
            assertThat(restarted.isAlive()).isTrue();
            assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
            assertThat(readCommitted(broker.bootstrapServers()))
                    .containsExactlyInAnyOrderElementsOf(COMMITTED);
        } finally {
            broker.close();
        }
        assertThat(restarted.isAlive()).isFalse();
        broker.close(); // idempotent
    }

    private static void produceOneCommittedAndOneAbortedTransaction(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "broker-it-tx");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (String value : COMMITTED) {
                producer.send(new ProducerRecord<>(TOPIC, value, value));
            }
            producer.commitTransaction();
            producer.beginTransaction();
            for (String value : ABORTED) {
                producer.send(new ProducerRecord<>(TOPIC, value, value));
            }
            producer.flush();
            producer.abortTransaction();
        }
    }

    /**
     * Reads every partition from the start up to its last stable offset, which a read_committed
     * consumer's end offsets are: after that nothing more can become visible.
     */
    private static List<String> readCommitted(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(TOPIC).stream()
                            .map(PartitionInfo::partition)
                            .map(p -> new TopicPartition(TOPIC, p))
                            .collect(Collectors.toList());
            assertThat(partitions).hasSize(2);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (!partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
                assertThat(System.nanoTime() - deadline)
                        .as("reading up to the end offsets %s within %s", end, READ_TIMEOUT)
                        .isNegative();
                for (ConsumerRecord<String, String> record :
                        consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }
}
