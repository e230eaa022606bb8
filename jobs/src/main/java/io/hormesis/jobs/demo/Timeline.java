package io.hormesis.jobs.demo;

import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.Command;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.DecodeException;
import io.hormesis.schema.Signal;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.PrintStream;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Follows the output topics (read_committed: only what the jobs committed) and prints a readable
 * line per signal, command and dead letter, keeping them for whoever asks afterwards.
 */
public final class Timeline implements AutoCloseable {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final PrintStream out;
    private final String signalsTopic;
    private final String commandsTopic;
    private final Thread thread;
    private final List<Signal> signals = new CopyOnWriteArrayList<>();
    private final List<Command> commands = new CopyOnWriteArrayList<>();
    private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
    private final AvroCodec<Signal> signalCodec = AvroCodec.of(Signal.class);
    private final AvroCodec<Command> commandCodec = AvroCodec.of(Command.class);
    private final AvroCodec<DeadLetter> deadLetterCodec = AvroCodec.of(DeadLetter.class);
    private volatile boolean running = true;
    private volatile Throwable failure;

    public Timeline(
            String bootstrapServers,
            String signalsTopic,
            String commandsTopic,
            String deadLettersTopic,
            PrintStream out) {
        this.out = out;
        this.signalsTopic = signalsTopic;
        this.commandsTopic = commandsTopic;
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrapServers);
        props.put("isolation.level", "read_committed");
        props.put("auto.offset.reset", "earliest");
        props.put("enable.auto.commit", "false");
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(props);
        // No consumer group: the timeline reads every partition from the start, as a tail -f.
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(signalsTopic, commandsTopic, deadLettersTopic)) {
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(this::run, "hormesis-timeline");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    print(r);
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop.
        } catch (Throwable t) {
            failure = t;
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void print(ConsumerRecord<byte[], byte[]> r) throws DecodeException {
        if (r.topic().equals(signalsTopic)) {
            Signal s = signalCodec.decode(r.value());
            signals.add(s);
            out.printf(
                    Locale.ROOT,
                    "%s  SIGNAL       %-9s %s %s %s %s=%.1f  baseline %.1f  %s=%.2g  score=%.6f%n",
                    TIME.format(s.getEventTime()),
                    s.getKind(),
                    s.getDeployment(),
                    s.getModelName(),
                    s.getModelVersion(),
                    s.getSignalName(),
                    s.getValue(),
                    s.getEvidence().getBaseline().getOrDefault("level", Double.NaN),
                    s.getEvidence().getStatistic(),
                    s.getEvidence().getStatisticValue(),
                    s.getScore());
        } else if (r.topic().equals(commandsTopic)) {
            Command c = commandCodec.decode(r.value());
            commands.add(c);
            out.printf(
                    Locale.ROOT,
                    "%s  COMMAND      %s %s  id=%s  signed by %s%n%s               reason: %s%n",
                    TIME.format(c.getIssuedAt()),
                    c.getKind(),
                    c.getDeployment(),
                    c.getCommandId(),
                    c.getKeyId(),
                    " ".repeat(12),
                    c.getReason());
        } else {
            DeadLetter d = deadLetterCodec.decode(r.value());
            deadLetters.add(d);
            out.printf(
                    Locale.ROOT,
                    "%s  DEAD LETTER  %s[%d]@%d  %s: %s%n",
                    TIME.format(d.getRecordTimestamp()),
                    d.getSourceTopic(),
                    d.getSourcePartition(),
                    d.getSourceOffset(),
                    d.getReasonCode(),
                    abbreviate(d.getReason(), 90));
        }
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    public List<Signal> signals() {
        return List.copyOf(signals);
    }

    public List<Command> commands() {
        return List.copyOf(commands);
    }

    public List<DeadLetter> deadLetters() {
        return List.copyOf(deadLetters);
    }

    /** Throws what stopped the follower thread, if anything did. */
    public void checkHealthy() {
        if (failure != null) {
            throw new IllegalStateException("timeline stopped: " + failure, failure);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
