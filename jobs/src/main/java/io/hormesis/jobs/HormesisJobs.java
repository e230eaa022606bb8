package io.hormesis.jobs;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.ConfigOption;
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
import io.hormesis.jobs.control.ControlRecord;
import io.hormesis.jobs.kafka.AvroRecordSerializer;
import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.jobs.kafka.RawRecordDeserializer;
import io.hormesis.jobs.lineage.LineageCatalog;
import io.hormesis.jobs.lineage.LineagePipeline;
import io.hormesis.jobs.lineage.LineageTables;
import io.hormesis.jobs.watch.DecodeFunction;
import io.hormesis.jobs.watch.DecodedEventTime;
import io.hormesis.jobs.watch.InferenceEventValidator;
import io.hormesis.jobs.watch.RecordValidator;
import io.hormesis.jobs.watch.WatchPipeline;
import io.hormesis.schema.BaselineSnapshot;
import io.hormesis.schema.Command;
import io.hormesis.schema.CommandOutcome;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.Decision;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.ModelEvent;
import io.hormesis.schema.PolicyUpdate;
import io.hormesis.schema.ResourceSample;
import io.hormesis.schema.Signal;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

import java.io.IOException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
                            "hormesis-watch",
                            WatermarkStrategy.noWatermarks());
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
            defineControl(env, config, !chosen.contains(Pipeline.WATCH));
        }
        if (chosen.contains(Pipeline.LINEAGE)) {
            Map<String, LineageTables> tablesByTopic = lineageTopics(config);
            DataStream<RawRecord> raw =
                    kafkaSource(
                            env,
                            config,
                            List.copyOf(tablesByTopic.keySet()),
                            "hormesis-lineage",
                            "hormesis-lineage-source",
                            "Kafka lineage topics",
                            WatermarkStrategy.noWatermarks());
            LineagePipeline.build(LineageCatalog.loader(config), raw, tablesByTopic);
        }
    }

    /** The topic each lineage table is written from. */
    public static Map<String, LineageTables> lineageTopics(Configuration config) {
        Map<String, LineageTables> topics = new LinkedHashMap<>();
        topics.put(config.get(HormesisOptions.TOPIC_SIGNALS), LineageTables.SIGNALS);
        topics.put(config.get(HormesisOptions.TOPIC_DECISIONS), LineageTables.DECISIONS);
        topics.put(config.get(HormesisOptions.TOPIC_COMMANDS), LineageTables.COMMANDS);
        topics.put(
                config.get(HormesisOptions.TOPIC_COMMAND_OUTCOMES), LineageTables.COMMAND_OUTCOMES);
        topics.put(config.get(HormesisOptions.TOPIC_MODEL_EVENTS), LineageTables.MODEL_VERSIONS);
        topics.put(config.get(HormesisOptions.TOPIC_DATA_BATCHES), LineageTables.DATA_BATCHES);
        topics.put(config.get(HormesisOptions.TOPIC_BASELINES), LineageTables.BASELINES);
        topics.put(config.get(HormesisOptions.TOPIC_POLICY_UPDATES), LineageTables.POLICY_UPDATES);
        topics.put(config.get(HormesisOptions.TOPIC_DEAD_LETTERS), LineageTables.DEAD_LETTERS);
        if (topics.size() != LineageTables.values().length) {
            throw new IllegalArgumentException(
                    "every lineage table needs its own topic, got " + topics);
        }
        return topics;
    }

    /**
     * CONTROL reads five topics into one keyed stream. Inference events are decoded and validated
     * as WATCH does; their dead letters are WATCH's to report, so CONTROL sends its own only when
     * it runs without WATCH (otherwise a bad record would be reported twice).
     */
    private static void defineControl(
            StreamExecutionEnvironment env, Configuration config, boolean ownDeadLetters) {
        String group = "hormesis-control";
        InferenceEventValidator validator =
                new InferenceEventValidator(config.get(HormesisOptions.WATCH_MAX_FUTURE_SKEW));
        DecodeFunction<InferenceEvent> decodeEvents =
                new DecodeFunction<>(InferenceEvent.class, validator);
        SingleOutputStreamOperator<InferenceEvent> events =
                kafkaSource(
                                env,
                                config,
                                config.get(HormesisOptions.TOPIC_INFERENCE_EVENTS),
                                group,
                                ControlPipeline.watermarks(
                                        config,
                                        new DecodedEventTime<>(
                                                InferenceEvent.class,
                                                validator,
                                                InferenceEvent::getEventTime)))
                        .process(decodeEvents, decodeEvents.producedType())
                        .uid("control-events-decode")
                        .name("CONTROL: decode inference events");
        if (ownDeadLetters) {
            deadLetterSink(
                    config, events.getSideOutput(DecodeFunction.DEAD_LETTERS), "control-events");
        }
        TypeInformation<ControlRecord> type = TypeInformation.of(ControlRecord.class);
        DataStream<ControlRecord> inputs =
                events.map((InferenceEvent e) -> ControlRecord.of(e), type)
                        .uid("control-events-tag")
                        .name("CONTROL: tag inference events")
                        .union(
                                tagged(
                                        env,
                                        config,
                                        HormesisOptions.TOPIC_SIGNALS,
                                        Signal.class,
                                        Signal::getEventTime,
                                        "control-signals",
                                        "signals",
                                        ControlRecord::of),
                                tagged(
                                        env,
                                        config,
                                        HormesisOptions.TOPIC_RESOURCE_SAMPLES,
                                        ResourceSample.class,
                                        ResourceSample::getEventTime,
                                        "control-resources",
                                        "resource samples",
                                        ControlRecord::of),
                                tagged(
                                        env,
                                        config,
                                        HormesisOptions.TOPIC_MODEL_EVENTS,
                                        ModelEvent.class,
                                        ModelEvent::getEventTime,
                                        "control-model-events",
                                        "model events",
                                        ControlRecord::of),
                                tagged(
                                        env,
                                        config,
                                        HormesisOptions.TOPIC_COMMAND_OUTCOMES,
                                        CommandOutcome.class,
                                        CommandOutcome::getEventTime,
                                        "control-outcomes",
                                        "command outcomes",
                                        ControlRecord::of));
        ControlPipeline.Outputs control = ControlPipeline.build(config, inputs);
        toKafka(
                control.commands(),
                config,
                HormesisOptions.TOPIC_COMMANDS,
                Command.class,
                Command::getDeployment,
                "commands",
                "commands");
        toKafka(
                control.decisions(),
                config,
                HormesisOptions.TOPIC_DECISIONS,
                Decision.class,
                Decision::getDeployment,
                "decisions",
                "decisions");
        toKafka(
                control.policyUpdates(),
                config,
                HormesisOptions.TOPIC_POLICY_UPDATES,
                PolicyUpdate.class,
                PolicyUpdate::getDeployment,
                "policy-updates",
                "policy updates");
        toKafka(
                control.escalations(),
                config,
                HormesisOptions.TOPIC_SIGNALS,
                Signal.class,
                Signal::getDeployment,
                "escalations",
                "escalation signals");
    }

    /**
     * One of CONTROL's inputs besides inference events: a topic decoded (bad records to dead
     * letters) and tagged as a {@link ControlRecord}; uids {@code uid} (decode) and {@code
     * uid-tag}.
     */
    private static <T extends SpecificRecordBase> DataStream<ControlRecord> tagged(
            StreamExecutionEnvironment env,
            Configuration config,
            ConfigOption<String> topic,
            Class<T> recordClass,
            SerializableFunction<T, Instant> eventTime,
            String uid,
            String what,
            MapFunction<T, ControlRecord> tag) {
        return decoded(
                        env,
                        config,
                        config.get(topic),
                        recordClass,
                        "hormesis-control",
                        uid,
                        ControlPipeline.watermarks(
                                config,
                                new DecodedEventTime<>(
                                        recordClass, RecordValidator.acceptAll(), eventTime)))
                .map(tag, TypeInformation.of(ControlRecord.class))
                .uid(uid + "-tag")
                .name("CONTROL: tag " + what);
    }

    /**
     * One of CONTROL's outputs to its topic, exactly once: uid {@code control-ID-sink},
     * transactional ids {@code hormesis-control-ID}.
     */
    private static <T extends SpecificRecordBase> void toKafka(
            DataStream<T> records,
            Configuration config,
            ConfigOption<String> topic,
            Class<T> recordClass,
            SerializableFunction<T, String> key,
            String id,
            String what) {
        records.sinkTo(
                        kafkaSink(
                                config,
                                config.get(topic),
                                recordClass,
                                key,
                                "hormesis-control-" + id))
                .uid("control-" + id + "-sink")
                .name("CONTROL: " + what + " to Kafka");
    }

    /** Reads a topic of Avro records, sending undecodable ones to the dead-letter topic. */
    private static <T extends SpecificRecordBase> DataStream<T> decoded(
            StreamExecutionEnvironment env,
            Configuration config,
            String topic,
            Class<T> recordClass,
            String groupId,
            String uid,
            WatermarkStrategy<RawRecord> watermarks) {
        DecodeFunction<T> decode = new DecodeFunction<>(recordClass, RecordValidator.acceptAll());
        SingleOutputStreamOperator<T> records =
                kafkaSource(env, config, topic, groupId, watermarks)
                        .process(decode, decode.producedType())
                        .uid(uid + "-decode")
                        .name("decode " + topic);
        deadLetterSink(config, records.getSideOutput(DecodeFunction.DEAD_LETTERS), uid);
        return records;
    }

    private static DataStream<RawRecord> kafkaSource(
            StreamExecutionEnvironment env,
            Configuration config,
            String topic,
            String groupId,
            WatermarkStrategy<RawRecord> watermarks) {
        return kafkaSource(
                env,
                config,
                List.of(topic),
                groupId,
                groupId + "-source-" + topic,
                "Kafka " + topic,
                watermarks);
    }

    private static DataStream<RawRecord> kafkaSource(
            StreamExecutionEnvironment env,
            Configuration config,
            List<String> topics,
            String groupId,
            String uid,
            String name,
            WatermarkStrategy<RawRecord> watermarks) {
        KafkaSource<RawRecord> source =
                KafkaSource.<RawRecord>builder()
                        .setBootstrapServers(HormesisOptions.bootstrapServers(config))
                        .setTopics(topics)
                        .setGroupId(groupId)
                        .setStartingOffsets(
                                OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                        .setDeserializer(new RawRecordDeserializer())
                        // Only what upstream committed: an aborted transaction is never acted on.
                        .setProperty("isolation.level", "read_committed")
                        .build();
        return env.fromSource(source, watermarks, name).uid(uid);
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
