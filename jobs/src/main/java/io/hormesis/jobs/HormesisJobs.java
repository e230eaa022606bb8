package io.hormesis.jobs;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.function.SerializableFunction;

import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.control.ControlPipeline;
import io.hormesis.jobs.kafka.AvroRecordSerializer;
import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.jobs.kafka.RawRecordDeserializer;
import io.hormesis.jobs.lineage.LineageCatalog;
import io.hormesis.jobs.lineage.LineagePipeline;
import io.hormesis.jobs.watch.DecodeFunction;
import io.hormesis.jobs.watch.RecordValidator;
import io.hormesis.jobs.watch.WatchPipeline;
import io.hormesis.schema.BaselineSnapshot;
import io.hormesis.schema.Command;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.Signal;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

import java.io.IOException;
import java.util.EnumSet;
import java.util.Set;

/**
 * Wires the three pipelines to Kafka and Iceberg. Each pipeline reads from and writes to Kafka
 * topics only, so they run as separate jobs (one failing does not stop the others) or, for the
 * demo, side by side in one job: the same graph either way.
 */
public final class HormesisJobs {
    private HormesisJobs() {}

    /** Which pipelines a job runs. */
    public enum Pipeline {
        WATCH,
        CONTROL,
        LINEAGE
    }

    /** Kafka transactions must time out before the broker's 15-minute maximum. */
    static final String TRANSACTION_TIMEOUT_MS = "600000";

    public static void define(
            StreamExecutionEnvironment env, Configuration config, Set<Pipeline> pipelines)
            throws IOException {
        HormesisOptions.validate(config);
        EnumSet<Pipeline> chosen = EnumSet.copyOf(pipelines);
        if (chosen.contains(Pipeline.WATCH)) {
            DataStream<RawRecord> events =
                    kafkaSource(
                            env,
                            config,
                            config.get(HormesisOptions.TOPIC_INFERENCE_EVENTS),
                            "hormesis-watch");
            WatchPipeline.Outputs watch = WatchPipeline.build(config, events);
            watch.signals()
                    .sinkTo(
                            kafkaSink(
                                    config,
                                    config.get(HormesisOptions.TOPIC_SIGNALS),
                                    Signal.class,
                                    Signal::getDeployment,
                                    "hormesis-watch-signals"))
                    .uid("watch-signals-sink")
                    .name("WATCH: signals to Kafka");
            watch.baselines()
                    .sinkTo(
                            kafkaSink(
                                    config,
                                    config.get(HormesisOptions.TOPIC_BASELINES),
                                    BaselineSnapshot.class,
                                    BaselineSnapshot::getDeployment,
                                    "hormesis-watch-baselines"))
                    .uid("watch-baselines-sink")
                    .name("WATCH: baseline snapshots to Kafka");
            deadLetterSink(config, watch.deadLetters(), "watch");
        }
        if (chosen.contains(Pipeline.CONTROL)) {
            DataStream<Signal> signals =
                    decoded(
                            env,
                            config,
                            config.get(HormesisOptions.TOPIC_SIGNALS),
                            Signal.class,
                            "hormesis-control",
                            "control");
            ControlPipeline.build(config, signals)
                    .sinkTo(
                            kafkaSink(
                                    config,
                                    config.get(HormesisOptions.TOPIC_COMMANDS),
                                    Command.class,
                                    Command::getDeployment,
                                    "hormesis-control-commands"))
                    .uid("control-commands-sink")
                    .name("CONTROL: commands to Kafka");
        }
        if (chosen.contains(Pipeline.LINEAGE)) {
            DataStream<Signal> signals =
                    decoded(
                            env,
                            config,
                            config.get(HormesisOptions.TOPIC_SIGNALS),
                            Signal.class,
                            "hormesis-lineage",
                            "lineage-signals");
            DataStream<Command> commands =
                    decoded(
                            env,
                            config,
                            config.get(HormesisOptions.TOPIC_COMMANDS),
                            Command.class,
                            "hormesis-lineage",
                            "lineage-commands");
            LineagePipeline.build(LineageCatalog.loader(config), signals, commands);
        }
    }

    /** Reads a topic of Avro records, sending undecodable ones to the dead-letter topic. */
    private static <T extends SpecificRecordBase> DataStream<T> decoded(
            StreamExecutionEnvironment env,
            Configuration config,
            String topic,
            Class<T> recordClass,
            String groupId,
            String uid) {
        DecodeFunction<T> decode = new DecodeFunction<>(recordClass, RecordValidator.acceptAll());
        SingleOutputStreamOperator<T> records =
                kafkaSource(env, config, topic, groupId)
                        .process(decode, decode.producedType())
                        .uid(uid + "-decode")
                        .name("decode " + topic);
        deadLetterSink(config, records.getSideOutput(DecodeFunction.DEAD_LETTERS), uid);
        return records;
    }

    private static DataStream<RawRecord> kafkaSource(
            StreamExecutionEnvironment env, Configuration config, String topic, String groupId) {
        KafkaSource<RawRecord> source =
                KafkaSource.<RawRecord>builder()
                        .setBootstrapServers(HormesisOptions.bootstrapServers(config))
                        .setTopics(topic)
                        .setGroupId(groupId)
                        .setStartingOffsets(
                                OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                        .setDeserializer(new RawRecordDeserializer())
                        // Only what upstream committed: an aborted transaction is never acted on.
                        .setProperty("isolation.level", "read_committed")
                        .build();
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "Kafka " + topic)
                .uid(groupId + "-source-" + topic);
    }

    private static <T extends SpecificRecordBase> KafkaSink<T> kafkaSink(
            Configuration config,
            String topic,
            Class<T> recordClass,
            SerializableFunction<T, String> key,
            String transactionalIdPrefix) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(HormesisOptions.bootstrapServers(config))
                .setRecordSerializer(new AvroRecordSerializer<>(topic, recordClass, key))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS)
                .build();
    }

    private static void deadLetterSink(
            Configuration config, DataStream<DeadLetter> deadLetters, String uid) {
        deadLetters
                .sinkTo(
                        kafkaSink(
                                config,
                                config.get(HormesisOptions.TOPIC_DEAD_LETTERS),
                                DeadLetter.class,
                                DeadLetter::getSourceTopic,
                                "hormesis-" + uid + "-dead-letters"))
                .uid(uid + "-dead-letters-sink")
                .name(uid + ": dead letters to Kafka");
    }
}
