package io.hormesis.jobs.lineage;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;

import io.hormesis.jobs.FlinkEnvironments;
import io.hormesis.jobs.HormesisJobs;
import io.hormesis.jobs.cli.HormesisCli;
import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.control.CommandSigner;
import io.hormesis.jobs.demo.LocalStack;
import io.hormesis.jobs.kafka.KafkaBrokerProcess;
import io.hormesis.jobs.sql.LineageQueries;
import io.hormesis.jobs.sql.LineageSql;
import io.hormesis.jobs.testutils.LineageStory;
import io.hormesis.schema.AvroCodec;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.iceberg.types.Types.NestedField;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * LINEAGE on a Flink MiniCluster against a real Kafka broker process and an Iceberg JDBC catalog
 * (SQLite): a rollback story written in two runs (the second resumed from a savepoint of the first)
 * lands exactly once in all nine tables; the bundled SQL files answer their questions over those
 * tables through {@code hormesis sql --file}; {@code hormesis verify-lineage} passes, and after one
 * row is altered and one removed with SQL INSERT OVERWRITE it names both and exits 1.
 */
class LineageITCase {
    private static final String KEY = "a-test-signing-key-of-at-least-32-chars";

    private static Path dir;
    private static LocalStack stack;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "lineage");
        stack =
                LocalStack.start(
                        dir,
                        KafkaBrokerProcess.resolveLibDir(),
                        Map.of(
                                HormesisOptions.CATALOG_TYPE.key(),
                                "jdbc",
                                HormesisOptions.CATALOG_URI.key(),
                                "jdbc:sqlite:" + dir.resolve("catalog.db"),
                                "restart-strategy.exponential-delay.max-backoff",
                                "2 s"));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theStoryLandsExactlyOnceAnswersItsQuestionsAndTamperingIsFound() throws Exception {
        Configuration config = stack.config();
        LineageStory story = new LineageStory(new CommandSigner("k1", KEY));
        Map<String, LineageTables> topics = HormesisJobs.lineageTopics(config);
        Map<LineageTables, String> topicOf = new EnumMap<>(LineageTables.class);
        topics.forEach((topic, table) -> topicOf.put(table, topic));

        // First run: half the story plus one record that does not decode.
        Map<LineageTables, Long> expected = new EnumMap<>(LineageTables.class);
        try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
            produce(producer, topicOf, story.firstHalf(), expected);
            producer.send(
                    new ProducerRecord<>(
                            topicOf.get(LineageTables.SIGNALS),
                            "x".getBytes(StandardCharsets.UTF_8),
                            "not avro".getBytes(StandardCharsets.UTF_8)));
            expected.merge(LineageTables.DEAD_LETTERS, 1L, Long::sum);
            producer.flush();
        }
        JobClient job = startLineage(config, null);
        awaitRows(config, expected);
        String savepoint =
                job.stopWithSavepoint(
                                false,
                                dir.resolve("savepoints").toUri().toString(),
                                SavepointFormatType.CANONICAL)
                        .get();

        // Second run, resumed from the savepoint; the rest of the story was produced meanwhile.
        try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
            produce(producer, topicOf, story.secondHalf(), expected);
            producer.flush();
        }
        job = startLineage(config, savepoint);
        try {
            awaitRows(config, expected);
            // A few more checkpoints: nothing else arrives.
            Thread.sleep(3_000);
            assertThat(committed(config)).isEqualTo(expected);
        } finally {
            job.cancel().get();
        }

        LineageSql sql = new LineageSql(config);
        // No row twice: every id is distinct and seqs are unique per chain.
        assertThat(sql.query("SELECT COUNT(DISTINCT command_id), COUNT(*) FROM commands").get(0))
                .isEqualTo(Row.of(4L, 4L));
        assertThat(sql.query("SELECT COUNT(*) FROM command_outcomes").get(0).getField(0))
                .isEqualTo(6L);
        List<Row> deadLetters =
                sql.query("SELECT source_topic, reason_code, chain, seq FROM dead_letters");
        assertThat(deadLetters)
                .containsExactly(
                        Row.of(
                                topicOf.get(LineageTables.SIGNALS),
                                "BAD_HEADER",
                                "dead-letters/" + topicOf.get(LineageTables.SIGNALS),
                                1L));
        List<Row> chainLengths =
                sql.query(
                        "SELECT chain, COUNT(*), MAX(seq) FROM ("
                                + unionOfChainColumns()
                                + ") GROUP BY chain ORDER BY chain");
        assertThat(chainLengths)
                .allSatisfy(r -> assertThat(r.getField(1)).isEqualTo(r.getField(2)));

        StringBuilder transcript = new StringBuilder();
        // verify-lineage over the untouched tables.
        Cli verified = cli(transcript, "verify-lineage");
        assertThat(verified.code()).isZero();
        assertThat(verified.out()).contains("OK: every chain verifies", "jdbc catalog");

        whyRollback(sql, story, transcript);
        liveVersion(sql, story, transcript);
        commandsLastHour(sql, story, transcript);
        headroom(sql, story, transcript);

        // Tampering: change the reason of one command, remove one signal.
        long alteredSeq = seq(sql, "commands", "command_id = 'cmd-sc-1'");
        long removedSeq = seq(sql, "signals", "signal_id = 'sig-ttft'");
        sql.execute(
                        overwrite(
                                LineageTables.COMMANDS,
                                "reason",
                                "CASE WHEN command_id = 'cmd-sc-1' THEN 'scale 2 -> 40'"
                                        + " ELSE reason END",
                                "TRUE"))
                .await();
        sql.execute(overwrite(LineageTables.SIGNALS, null, null, "signal_id <> 'sig-ttft'"))
                .await();
        Cli tampered = cli(transcript, "verify-lineage");
        assertThat(tampered.code()).isEqualTo(1);
        assertThat(tampered.out())
                .contains(
                        "ALTERED     chain chat-llm  table commands  seq " + alteredSeq + ":",
                        "REMOVED     chain chat-llm  table ?  seq " + removedSeq + ":",
                        "FAILED: 2 findings in 1 chains");
        Files.writeString(
                Path.of("target", "lineage-it-transcript.txt"),
                transcript.toString(),
                StandardCharsets.UTF_8);
    }

    private void whyRollback(LineageSql sql, LineageStory story, StringBuilder transcript)
            throws Exception {
        Map<String, String> params =
                Map.of("deployment", LineageStory.DEPLOYMENT, "at", "2026-01-15 14:15:00");
        List<Row> rows = run(sql, "why-rollback.sql", params);
        List<String> links = rows.stream().map(r -> (String) r.getField(2)).toList();
        assertThat(links)
                .containsExactly(
                        "command",
                        "decision",
                        "signal",
                        "signal",
                        "baseline",
                        "baseline",
                        "model version",
                        "model version",
                        "outcome",
                        "outcome");
        List<String> ids = rows.stream().map(r -> (String) r.getField(3)).toList();
        assertThat(ids)
                .containsExactly(
                        story.rollback.getCommandId(),
                        story.decision.getDecisionId(),
                        story.latency.getSignalId(),
                        story.ttft.getSignalId(),
                        // The latest snapshot of each version before the command, none after it.
                        story.v7Latency.getSnapshotId(),
                        story.v8Latency.getSnapshotId(),
                        story.v7.getEventId(),
                        story.v8.getEventId(),
                        story.rollback.getCommandId(),
                        story.rollback.getCommandId());
        assertThat((String) rows.get(0).getField(4))
                .startsWith("ROLLBACK v8 -> v7: " + story.rollback.getReason());
        assertThat((String) rows.get(2).getField(4))
                .contains("CHANGE latency_ms of v8 = 1520.4 vs baseline 690.1", "page-hinkley");
        assertThat((String) rows.get(7).getField(4))
                .contains("v8 deployed", "b-101 (chat-logs, 120000 rows)", "b-201");
        assertThat((String) rows.get(9).getField(4))
                .isEqualTo("EFFECTIVE: latency_ms back to 702.0");

        Cli printed =
                cli(
                        transcript,
                        "sql",
                        "--file",
                        "why-rollback.sql",
                        "--param",
                        "deployment=chat-llm",
                        "--param",
                        "at=2026-01-15 14:15:00");
        assertThat(printed.code()).isZero();
        assertThat(printed.out()).contains("10 rows in set", "latency_ms back to 702.0");
    }

    private void liveVersion(LineageSql sql, LineageStory story, StringBuilder transcript)
            throws Exception {
        List<Row> rows = run(sql, "live-version-training-data.sql", Map.of());
        List<String> got =
                rows.stream()
                        .map(
                                r ->
                                        r.getField(0)
                                                + " "
                                                + r.getField(2)
                                                + " "
                                                + r.getField(5)
                                                + " "
                                                + r.getField(9))
                        .toList();
        // chat-llm was rolled back from v8: v7 is live, trained on b-101 and b-102, not b-201.
        assertThat(got)
                .containsExactly(
                        "chat-llm v7 b-101 " + story.b101.getRowCount(),
                        "chat-llm v7 b-102 " + story.b102.getRowCount(),
                        "embed-svc e3 b-301 " + story.b301.getRowCount());
        assertThat(rows.get(0).getField(3)).isEqualTo("ROLLED_BACK");
    }

    private void commandsLastHour(LineageSql sql, LineageStory story, StringBuilder transcript)
            throws Exception {
        List<Row> rows = run(sql, "commands-last-hour.sql", Map.of("now", "2026-01-15 15:00:00"));
        // cmd-sc-0 (13:30) is more than an hour before 15:00.
        assertThat(rows.stream().map(r -> r.getField(3)).toList())
                .containsExactly("cmd-rb-1", "cmd-sc-1", "cmd-sc-2");
        assertThat(rows.stream().map(r -> r.getField(5)).toList())
                .containsExactly("EFFECTIVE", "EFFECTIVE", "NOT_EFFECTIVE");
        assertThat(rows.get(0).getField(4)).isEqualTo("v8 -> v7");
        assertThat(rows.get(1).getField(4)).isEqualTo("replicas 2 -> 4");
        assertThat(rows.stream().map(r -> r.getField(6)).toList())
                .containsExactly(
                        seconds(story.rollback.getIssuedAt(), story.rbApplied.getEventTime()),
                        seconds(story.scale1.getIssuedAt(), story.s1Applied.getEventTime()),
                        seconds(story.scale2.getIssuedAt(), story.s2Applied.getEventTime()));
        assertThat(rows.stream().map(r -> r.getField(7)).toList())
                .containsExactly(
                        seconds(story.rollback.getIssuedAt(), story.rbEffective.getEventTime()),
                        seconds(story.scale1.getIssuedAt(), story.s1Effective.getEventTime()),
                        seconds(story.scale2.getIssuedAt(), story.s2NotEffective.getEventTime()));
    }

    private void headroom(LineageSql sql, LineageStory story, StringBuilder transcript)
            throws Exception {
        List<Row> rows = run(sql, "headroom-evolution.sql", Map.of("deployment", "chat-llm"));
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).getField(3)).isEqualTo(story.headroom1.getBefore());
        assertThat(rows.get(0).getField(4)).isEqualTo(story.headroom1.getAfter());
        assertThat(rows.get(1).getField(4)).isEqualTo(story.headroom2.getAfter());
        assertThat(rows.get(0).getField(6)).isEqualTo(story.headroom1.getReason());
        assertThat(rows.get(1).getField(9)).isEqualTo("replicas 4 -> 5");
        assertThat(rows.get(1).getField(10)).isEqualTo("NOT_EFFECTIVE");
        assertThat(run(sql, "headroom-evolution.sql", Map.of("parameter", "warmup_ms"))).hasSize(1);
        assertThat(cli(transcript, "sql", "--file", "headroom-evolution.sql").code()).isZero();
    }

    /** As SQL's TIMESTAMPDIFF(SECOND, ...) gives it: an INT. */
    private static int seconds(Instant from, Instant to) {
        return Math.toIntExact(Duration.between(from, to).toSeconds());
    }

    private static List<Row> run(LineageSql sql, String file, Map<String, String> params)
            throws Exception {
        String text =
                LineageQueries.substitute(LineageQueries.bundled(file), params, Instant.now());
        return sql.query(text);
    }

    private static long seq(LineageSql sql, String table, String where) throws Exception {
        return (Long) sql.query("SELECT seq FROM " + table + " WHERE " + where).get(0).getField(0);
    }

    private static String overwrite(
            LineageTables table, String column, String expression, String where) {
        String columns =
                table.schema().columns().stream()
                        .map(NestedField::name)
                        .map(n -> n.equals(column) ? expression + " AS `" + n + "`" : "`" + n + "`")
                        .collect(Collectors.joining(", "));
        return "INSERT OVERWRITE "
                + table.tableName()
                + " SELECT "
                + columns
                + " FROM "
                + table.tableName()
                + " WHERE "
                + where;
    }

    private static String unionOfChainColumns() {
        List<String> parts = new ArrayList<>();
        for (LineageTables table : LineageTables.values()) {
            parts.add("SELECT chain, seq FROM " + table.tableName());
        }
        return String.join(" UNION ALL ", parts);
    }

    private record Cli(int code, String out) {}

    private Cli cli(StringBuilder transcript, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(
                List.of(
                        "--warehouse",
                        stack.config().get(HormesisOptions.WAREHOUSE),
                        "--set",
                        "iceberg.catalog-type=jdbc",
                        "--set",
                        "iceberg.catalog-uri=" + stack.config().get(HormesisOptions.CATALOG_URI)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                HormesisCli.run(
                        all,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        transcript
                .append("$ hormesis ")
                .append(String.join(" ", args))
                .append('\n')
                .append(printed)
                .append(err.toString(StandardCharsets.UTF_8))
                .append("(exit ")
                .append(code)
                .append(")\n\n");
        return new Cli(code, printed);
    }

    private static void produce(
            KafkaProducer<byte[], byte[]> producer,
            Map<LineageTables, String> topicOf,
            List<LineageStory.Item> items,
            Map<LineageTables, Long> expected) {
        for (LineageStory.Item item : items) {
            LineageTables table = LineageTables.byName(item.table());
            SpecificRecordBase record = item.record();
            @SuppressWarnings("unchecked")
            AvroCodec<SpecificRecordBase> codec =
                    (AvroCodec<SpecificRecordBase>) AvroCodec.of(record.getClass());
            String key = LineageRows.chain(table, record);
            producer.send(
                    new ProducerRecord<>(
                            topicOf.get(table),
                            key.getBytes(StandardCharsets.UTF_8),
                            codec.encode(record)));
            expected.merge(table, 1L, Long::sum);
        }
    }

    private static JobClient startLineage(Configuration config, String savepoint) throws Exception {
        Configuration settings = new Configuration(config);
        if (savepoint != null) {
            settings.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env =
                FlinkEnvironments.local(settings, 2, Duration.ofMillis(500), 0);
        HormesisJobs.define(env, settings, EnumSet.of(HormesisJobs.Pipeline.LINEAGE));
        return env.executeAsync("lineage-it");
    }

    private static Map<LineageTables, Long> committed(Configuration config) throws Exception {
        Map<LineageTables, Long> rows = new EnumMap<>(LineageTables.class);
        try (LineageProgress progress = new LineageProgress(config)) {
            for (LineageTables table : LineageTables.values()) {
                long n = progress.committedRows(table);
                if (n > 0) {
                    rows.put(table, n);
                }
            }
        }
        return rows;
    }

    private static void awaitRows(Configuration config, Map<LineageTables, Long> expected)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        Map<LineageTables, Long> now = Map.of();
        while (System.nanoTime() < deadline) {
            now = committed(config);
            if (now.equals(expected)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new TimeoutException("lineage rows " + now + ", expected " + expected);
    }
}
