package io.hormesis.jobs;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;

import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.control.CommandVerifier;
import io.hormesis.jobs.demo.Demo;
import io.hormesis.jobs.demo.LocalStack;
import io.hormesis.jobs.demo.Quiescence;
import io.hormesis.jobs.demo.Timeline;
import io.hormesis.jobs.kafka.KafkaBrokerProcess;
import io.hormesis.jobs.lineage.LineageProgress;
import io.hormesis.jobs.sim.FleetSimulator;
import io.hormesis.jobs.sql.LineageSql;
import io.hormesis.jobs.testutils.OfflineWatch;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.BaselineSnapshot;
import io.hormesis.schema.Command;
import io.hormesis.schema.CommandKind;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.DecodeException;
import io.hormesis.schema.Signal;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The three pipelines on a Flink MiniCluster against a real Kafka broker process and a temporary
 * Iceberg warehouse, fed by the simulated fleet: one latency regression must become exactly one
 * signal and one signed SCALE command, the five malformed records five dead letters, and both the
 * signal and the command rows in Iceberg, read back with SQL.
 */
class AllInOneITCase {
    private static final Instant START = Instant.parse("2026-01-15T14:00:00Z");

    private static LocalStack stack;

    @BeforeAll
    static void startKafka() throws Exception {
        Path dir =
                Files.createTempDirectory(
                        Path.of(System.getProperty("java.io.tmpdir")), "all-in-one");
        stack = LocalStack.start(dir, KafkaBrokerProcess.resolveLibDir(), Map.of());
    }

    @AfterAll
    static void stopKafka() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aRegressionBecomesOneSignedCommandWithLineageAndBadRecordsBecomeDeadLetters()
            throws Exception {
        int prometheusPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            prometheusPort = socket.getLocalPort();
        }
        StreamExecutionEnvironment env =
                FlinkEnvironments.local(stack.config(), 2, Duration.ofMillis(500), prometheusPort);
        HormesisJobs.define(env, stack.config(), EnumSet.allOf(HormesisJobs.Pipeline.class));
        JobClient job = env.executeAsync("all-in-one-it");

        FleetSimulator.Scenario scenario = FleetSimulator.Scenario.demo(START);
        String topic = stack.config().get(HormesisOptions.TOPIC_INFERENCE_EVENTS);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Timeline timeline;
        String metrics;
        try (Timeline t = stack.timeline(new PrintStream(printed, true, StandardCharsets.UTF_8));
                LineageProgress progress = new LineageProgress(stack.config());
                KafkaProducer<byte[], byte[]> producer = stack.producer()) {
            timeline = t;
            int produced =
                    new FleetSimulator(scenario)
                            .produce(producer, topic, 0, Duration.ofMinutes(10), p -> {});
            assertThat(produced).isEqualTo(4805);
            Quiescence.Figures figures =
                    Quiescence.await(
                            timeline,
                            progress,
                            "hormesis-watch",
                            topic,
                            1,
                            Duration.ofSeconds(3),
                            Duration.ofMinutes(3));
            assertThat(figures.signalRows()).isEqualTo(1);
            assertThat(figures.commandRows()).isEqualTo(1);
            metrics = scrape(prometheusPort);
        } finally {
            job.cancel().get();
        }

        // One signal: chat-llm latency, at the end of the first 10-second interval of slow
        // requests, whose requests mostly lie above the baseline's 95th percentile (binomial tail
        // p <= 1e-6); the rest of the regression is the same episode.
        List<Signal> signals = timeline.signals();
        assertThat(signals).hasSize(1);
        Signal signal = signals.get(0);
        Instant regression = START.plus(scenario.regressionAt());
        assertThat(signal.getDeployment()).isEqualTo("chat-llm");
        assertThat(signal.getSignalName()).isEqualTo("latency_ms");
        // Within an interval of the regression; the evidence window is that interval's requests.
        assertThat(signal.getEventTime()).isBetween(regression, regression.plusSeconds(10));
        assertThat(signal.getEvidence().getWindowEnd()).isEqualTo(signal.getEventTime());
        assertThat(signal.getEvidence().getWindowStart()).isAfterOrEqualTo(regression);
        // The Flink pipeline raises it on the very window the plain-Java detector does.
        List<OfflineWatch.Alarm> expected =
                OfflineWatch.alarms(new FleetSimulator(scenario).records());
        assertThat(expected).hasSize(1);
        assertThat(signal.getEventTime()).isEqualTo(expected.get(0).eventTime());
        assertThat(signal.getEvidence().getWindowCount()).isEqualTo(expected.get(0).windowCount());
        assertThat(signal.getEvidence().getSourceIds()).hasSize(32);

        // Baseline snapshots reach their topic: every key, every signal, once a minute.
        List<BaselineSnapshot> baselines = baselines(2 * 3 * 4);
        assertThat(baselines)
                .extracting(BaselineSnapshot::getDeployment)
                .contains("chat-llm", "code-llm");
        assertThat(baselines)
                .extracting(BaselineSnapshot::getSignalName)
                .contains("latency_ms", "ttft_ms", "error_rate");

        // CONTROL scales chat-llm out after the regression: its own per-interval telemetry shows
        // p95 over the SLO, the learned capacity per replica falls and the headroom grows. One
        // command at most is in flight (nothing applies it here, so there is exactly one).
        List<Command> commands = timeline.commands();
        assertThat(commands).hasSize(1);
        Command command = commands.get(0);
        assertThat(command.getKind()).isEqualTo(CommandKind.SCALE);
        assertThat(command.getDeployment()).isEqualTo("chat-llm");
        assertThat(command.getScale().getFromReplicas()).isEqualTo(2);
        assertThat(command.getScale().getTargetReplicas()).isGreaterThan(2);
        assertThat(command.getIssuedAt()).isAfter(regression);
        assertThat(command.getEvidence()).containsKeys("p95_ms", "capacity_per_replica");
        assertThat(command.getEvidence().get("p95_ms")).isGreaterThan(1500.0);
        assertThat(
                        CommandVerifier.of("k1", LocalStack.DEMO_SIGNING_KEY)
                                .verify(command, command.getIssuedAt())
                                .accepted())
                .isTrue();

        // Five dead letters, one per malformed kind, each with its reason and raw bytes.
        List<DeadLetter> deadLetters = timeline.deadLetters();
        assertThat(deadLetters)
                .extracting(DeadLetter::getReasonCode)
                .containsExactlyInAnyOrderElementsOf(FleetSimulator.MALFORMED_KINDS.values());
        assertThat(deadLetters).allSatisfy(d -> assertThat(d.getSourceTopic()).isEqualTo(topic));
        assertThat(deadLetters).extracting(DeadLetter::getSourceOffset).doesNotHaveDuplicates();

        // The lineage rows, read back through Flink SQL.
        LineageSql sql = new LineageSql(stack.config());
        List<Row> commandRows =
                sql.query(
                        "SELECT command_id, kind, deployment, from_replicas, target_replicas,"
                                + " signature FROM commands");
        assertThat(commandRows).hasSize(1);
        Row row = commandRows.get(0);
        assertThat(row.getField(0)).isEqualTo(command.getCommandId());
        assertThat(row.getField(1)).isEqualTo("SCALE");
        assertThat(row.getField(2)).isEqualTo("chat-llm");
        assertThat(row.getField(3)).isEqualTo(2);
        assertThat(row.getField(4)).isEqualTo(command.getScale().getTargetReplicas());
        assertThat(row.getField(5)).isEqualTo(command.getSignature());
        List<Row> why = sql.query(Demo.WHY_QUERY);
        assertThat(why).hasSize(1);
        assertThat(why.get(0).getField(2)).isEqualTo("chat-llm");
        assertThat(why.get(0).getField(5)).isEqualTo("latency_ms");
        assertThat((String) why.get(0).getField(8)).endsWith("_tail_p");
        assertThat((Double) why.get(0).getField(9)).isLessThanOrEqualTo(1e-6);
        assertThat(why.get(0).getField(10)).isEqualTo((long) expected.get(0).windowCount());

        // The timeline printed what it saw, and Prometheus exports the Hormesis counters.
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("SIGNAL", "COMMAND      SCALE chat-llm", "DEAD LETTER");
        assertThat(metrics)
                .contains(
                        "hormesis_records_in",
                        "hormesis_dead_letters",
                        "hormesis_signals",
                        "hormesis_commands");
    }

    /** Reads committed BaselineSnapshot records until at least {@code atLeast}, or 60 s. */
    private static List<BaselineSnapshot> baselines(int atLeast) {
        Properties props = new Properties();
        props.put("bootstrap.servers", HormesisOptions.bootstrapServers(stack.config()));
        props.put("group.id", "it-baselines");
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        AvroCodec<BaselineSnapshot> codec = AvroCodec.of(BaselineSnapshot.class);
        List<BaselineSnapshot> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(stack.config().get(HormesisOptions.TOPIC_BASELINES)));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.size() < atLeast && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        out.add(codec.decode(r.value()));
                    } catch (DecodeException e) {
                        throw new AssertionError("undecodable baseline snapshot", e);
                    }
                }
            }
        }
        assertThat(out).hasSizeGreaterThanOrEqualTo(atLeast);
        return out;
    }

    private static String scrape(int port) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .timeout(Duration.ofSeconds(60))
                        .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }
}
