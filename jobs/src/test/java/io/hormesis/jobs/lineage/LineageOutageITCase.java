package io.hormesis.jobs.lineage;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;

import io.hormesis.jobs.FlinkEnvironments;
import io.hormesis.jobs.HormesisJobs;
import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.control.CommandSigner;
import io.hormesis.jobs.demo.LocalStack;
import io.hormesis.jobs.demo.Timeline;
import io.hormesis.jobs.kafka.KafkaBrokerProcess;
import io.hormesis.jobs.sql.LineageSql;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.Command;
import io.hormesis.schema.CommandKind;
import io.hormesis.schema.Evidence;
import io.hormesis.schema.ScaleAction;
import io.hormesis.schema.Signal;
import io.hormesis.schema.SignalKind;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CONTROL and LINEAGE as two jobs on a real Kafka broker process: while the Iceberg warehouse is
 * unavailable (its directory replaced by a plain file, which fails every write even for root),
 * signals keep becoming commands on the commands topic and LINEAGE commits nothing; once the
 * warehouse is back, LINEAGE catches up from its last checkpoint and every signal and command is in
 * Iceberg exactly once, with intact chains.
 */
class LineageOutageITCase {
    private static LocalStack stack;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "outage");
        stack =
                LocalStack.start(
                        dir,
                        KafkaBrokerProcess.resolveLibDir(),
                        Map.of(
                                "restart-strategy.exponential-delay.max-backoff", "2 s",
                                "restart-strategy.exponential-delay.initial-backoff", "500 ms"));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void commandsFlowWhileTheWarehouseIsDownAndLineageCatchesUpExactlyOnce() throws Exception {
        Configuration config = stack.config();
        Path warehouse = Path.of(config.get(HormesisOptions.WAREHOUSE));
        Path away = dir.resolve("warehouse.away");
        int before = 5;
        int during = 7;
        // The records LINEAGE reads come from a producer standing in for WATCH and CONTROL (the
        // CONTROL job needs telemetry, not signals alone, to issue a command); what matters here
        // is that nothing upstream waits on the warehouse and that LINEAGE loses nothing.
        JobClient lineage = start(config, HormesisJobs.Pipeline.LINEAGE, "lineage-it");
        try (Timeline timeline = stack.timeline(new PrintStream(OutputStream.nullOutputStream()));
                LineageProgress progress = new LineageProgress(config);
                KafkaProducer<byte[], byte[]> producer = stack.producer()) {
            produce(producer, config, 0, before);
            await("commands before the outage", () -> timeline.commands().size(), before);
            await("lineage rows before the outage", () -> rows(progress), 2L * before);

            // The warehouse goes away: a plain file where the directory was.
            Files.move(warehouse, away);
            Files.writeString(warehouse, "not a warehouse", StandardCharsets.UTF_8);
            produce(producer, config, before, during);
            await("commands during the outage", () -> timeline.commands().size(), before + during);
            // A few LINEAGE checkpoints later, nothing more was committed to the warehouse.
            Thread.sleep(3_000);
            Configuration awayConfig = new Configuration(config);
            awayConfig.set(HormesisOptions.WAREHOUSE, away.toString());
            try (LineageProgress stale = new LineageProgress(awayConfig)) {
                assertThat(rows(stale)).isEqualTo(2L * before);
            }

            // The warehouse is back: LINEAGE catches up.
            Files.delete(warehouse);
            Files.move(away, warehouse);
            await("lineage rows after the outage", () -> rows(progress), 2L * (before + during));
            Thread.sleep(2_000);
            assertThat(rows(progress)).isEqualTo(2L * (before + during));
            assertThat(timeline.commands()).hasSize(before + during);
        } finally {
            lineage.cancel().get();
        }
        LineageSql sql = new LineageSql(config);
        List<Row> counts =
                sql.query(
                        "SELECT COUNT(*), COUNT(DISTINCT command_id), COUNT(DISTINCT deployment)"
                                + " FROM commands");
        assertThat(counts).containsExactly(Row.of(12L, 12L, 12L));
        assertThat(sql.query("SELECT COUNT(DISTINCT signal_id) FROM signals").get(0).getField(0))
                .isEqualTo(12L);
        LineageVerifier.Report report = LineageVerifier.verify(LineageCatalog.loader(config));
        assertThat(report.findings()).isEmpty();
        assertThat(report.rows()).isEqualTo(24);
        assertThat(report.chains()).isEqualTo(12);
    }

    private static long rows(LineageProgress progress) {
        return progress.committedRows(LineageTables.SIGNALS)
                + progress.committedRows(LineageTables.COMMANDS);
    }

    private static JobClient start(
            Configuration config, HormesisJobs.Pipeline pipeline, String name) throws Exception {
        StreamExecutionEnvironment env =
                FlinkEnvironments.local(config, 1, Duration.ofMillis(500), 0);
        HormesisJobs.define(env, config, EnumSet.of(pipeline));
        return env.executeAsync(name);
    }

    /** Per i: an anomaly signal and the signed SCALE command that cites it. */
    private static void produce(
            KafkaProducer<byte[], byte[]> producer, Configuration config, int from, int n) {
        String topic = config.get(HormesisOptions.TOPIC_SIGNALS);
        String commands = config.get(HormesisOptions.TOPIC_COMMANDS);
        CommandSigner signer = new CommandSigner("k1", LocalStack.DEMO_SIGNING_KEY);
        Instant t = Instant.parse("2026-01-15T14:00:00Z");
        for (int i = from; i < from + n; i++) {
            String deployment = "d-" + i;
            Signal signal =
                    Signal.newBuilder()
                            .setSignalId("sig-" + i)
                            .setKind(SignalKind.ANOMALY)
                            .setDeployment(deployment)
                            .setModelName("m")
                            .setModelVersion("v1")
                            .setSignalName("latency_ms")
                            .setEventTime(t.plusSeconds(i))
                            .setValue(2000)
                            .setScore(0.99999)
                            .setReason("latency 2.9x baseline")
                            .setEvidence(
                                    new Evidence(
                                            "tail",
                                            "point_tail_p",
                                            1e-8,
                                            1e-6,
                                            Map.of("level", 690.0),
                                            t,
                                            t.plusSeconds(i),
                                            9L,
                                            List.of("r-" + i)))
                            .build();
            producer.send(
                    new ProducerRecord<>(
                            topic,
                            deployment.getBytes(StandardCharsets.UTF_8),
                            AvroCodec.of(Signal.class).encode(signal)));
            Command command =
                    signer.sign(
                            Command.newBuilder()
                                    .setCommandId("cmd-" + i)
                                    .setKind(CommandKind.SCALE)
                                    .setDeployment(deployment)
                                    .setModelName("m")
                                    .setIssuedAt(t.plusSeconds(i))
                                    .setExpiresAt(t.plusSeconds(i + 300))
                                    .setReason("latency 2.9x baseline: scale 2 -> 3")
                                    .setSignalIds(List.of(signal.getSignalId()))
                                    .setScale(new ScaleAction(2, 3, 42.0, 11.5))
                                    .build());
            producer.send(
                    new ProducerRecord<>(
                            commands,
                            deployment.getBytes(StandardCharsets.UTF_8),
                            AvroCodec.of(Command.class).encode(command)));
        }
        producer.flush();
    }

    private static void await(String what, LongSupplier value, long expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long now = -1;
        while (System.nanoTime() < deadline) {
            now = value.getAsLong();
            if (now == expected) {
                return;
            }
            assertThat(now).as(what).isLessThanOrEqualTo(expected);
            Thread.sleep(200);
        }
        throw new TimeoutException(what + ": " + now + ", expected " + expected);
    }
}
