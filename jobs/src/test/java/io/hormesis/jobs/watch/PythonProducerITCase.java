package io.hormesis.jobs.watch;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.demo.LocalStack;
import io.hormesis.jobs.kafka.KafkaBrokerProcess;
import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.jobs.kafka.RawRecordDeserializer;
import io.hormesis.jobs.sim.FleetSimulator;
import io.hormesis.jobs.testutils.OfflineWatch;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;
import io.hormesis.schema.Signal;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * InferenceEvents written by the Python producer ({@code notebooks/producer.py}, fastavro and
 * confluent-kafka, from the environment {@code notebooks/run.sh} makes) are the project's own: the
 * same bytes as {@code AvroCodec} for the same field values, and on a real broker the WATCH
 * pipeline decodes every one of them without a dead letter, with the fields Python wrote, and
 * raises the signal the plain-Java oracle raises on the same records.
 */
class PythonProducerITCase {
    private static final Logger LOG = LoggerFactory.getLogger(PythonProducerITCase.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AvroCodec<InferenceEvent> CODEC = AvroCodec.of(InferenceEvent.class);

    private static Path repo;
    private static Path python;
    private static Path dir;
    private static LocalStack stack;

    @BeforeAll
    static void installProducerAndStartKafka() throws Exception {
        repo = repositoryRoot();
        assumeThat(onPath("python3"))
                .as("python3 is not on PATH: the Python producer cannot run on this machine")
                .isTrue();
        dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "python");
        long started = System.nanoTime();
        // The same environment CI's notebook run uses (target/py-venv); installed once.
        List<String> out =
                run(
                        List.of(
                                repo.resolve("notebooks/run.sh").toString(),
                                "--install-only",
                                "--producer-only"),
                        dir.resolve("install.log"),
                        900);
        python = Path.of(out.get(out.size() - 1).trim());
        LOG.info(
                "Python producer environment {} ready in {} ms",
                python,
                (System.nanoTime() - started) / 1_000_000);
        stack = LocalStack.start(dir, KafkaBrokerProcess.resolveLibDir(), Map.of());
    }

    @AfterAll
    static void stopKafka() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void pythonEncodesEventsExactlyAsAvroCodecDoes() throws Exception {
        Path dump = dir.resolve("encode.jsonl");
        producer(
                "--dry-run",
                "--count",
                "200",
                "--deployment",
                "chat-llm",
                "--deployment",
                "code-llm",
                "--prediction-scores",
                "--error-rate",
                "0.2",
                "--start",
                "2026-01-15T14:00:00Z",
                "--dump",
                dump.toString());
        List<JsonNode> lines = readLines(dump);
        assertThat(lines).hasSize(200);
        int errors = 0;
        for (JsonNode line : lines) {
            InferenceEvent expected = fromJson(line.get("event"));
            byte[] fromPython = HexFormat.of().parseHex(line.get("hex").asText());
            // Byte for byte: header (marker, fingerprint of the canonical form) and body.
            assertThat(HexFormat.of().formatHex(CODEC.encode(expected)))
                    .isEqualTo(line.get("hex").asText());
            assertThat(CODEC.decode(fromPython)).isEqualTo(expected);
            assertThat(line.get("key").asText()).isEqualTo(expected.getDeployment());
            errors += expected.getStatus() == InferenceStatus.ERROR ? 1 : 0;
        }
        // Both enum symbols and the non-null union branch were exercised (the null branch is in
        // the other test's events).
        assertThat(errors).isBetween(1, 199);
        assertThat(lines)
                .allSatisfy(
                        l -> assertThat(l.get("event").get("predictionScore").isNull()).isFalse());
    }

    @Test
    void watchConsumesPythonEventsLikeItsOwn() throws Exception {
        Configuration config = stack.config();
        String topic = config.get(HormesisOptions.TOPIC_INFERENCE_EVENTS);
        Path dump = dir.resolve("produced.jsonl");
        // Ten requests a second per deployment for 150 s; chat-llm decodes 3.5x slower for the
        // last 50 s (the demo's regression), code-llm stays steady.
        long started = System.nanoTime();
        producer(
                "--bootstrap-servers",
                stack.broker().bootstrapServers(),
                "--topic",
                topic,
                "--count",
                "3000",
                "--deployment",
                "chat-llm",
                "--deployment",
                "code-llm",
                "--interval-ms",
                "50",
                "--slowdown-at",
                "2000",
                "--slowdown-factor",
                "3.5",
                "--dump",
                dump.toString());
        long produceMillis = (System.nanoTime() - started) / 1_000_000;
        List<JsonNode> lines = readLines(dump);
        Map<String, InferenceEvent> written = new LinkedHashMap<>();
        List<FleetSimulator.SimRecord> asRecords = new ArrayList<>();
        for (JsonNode line : lines) {
            InferenceEvent e = fromJson(line.get("event"));
            assertThat(e.getPredictionScore()).isNull();
            assertThat(HexFormat.of().formatHex(CODEC.encode(e)))
                    .isEqualTo(line.get("hex").asText());
            written.put(e.getRequestId(), e);
            asRecords.add(
                    new FleetSimulator.SimRecord(
                            e.getEventTime(),
                            e.getDeployment(),
                            HexFormat.of().parseHex(line.get("hex").asText()),
                            FleetSimulator.VALID));
        }
        assertThat(written).hasSize(3000);

        // WATCH over everything on the topic now: the same decode function and validator as
        // WatchPipeline's, tapped for the decoded events, and the whole pipeline for signals.
        Configuration conf = new Configuration();
        conf.setString("pipeline.generic-types", "false");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
        KafkaSource<RawRecord> source =
                KafkaSource.<RawRecord>builder()
                        .setBootstrapServers(stack.broker().bootstrapServers())
                        .setTopics(topic)
                        .setGroupId("python-producer-it")
                        .setStartingOffsets(OffsetsInitializer.earliest())
                        .setBounded(OffsetsInitializer.latest())
                        .setDeserializer(new RawRecordDeserializer())
                        .build();
        DataStream<RawRecord> raw =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "Kafka " + topic);
        DecodeFunction<InferenceEvent> decode =
                new DecodeFunction<>(
                        InferenceEvent.class,
                        new InferenceEventValidator(
                                config.get(HormesisOptions.WATCH_MAX_FUTURE_SKEW)));
        CloseableIterator<InferenceEvent> decodedIt =
                raw.process(decode, decode.producedType()).collectAsync();
        CloseableIterator<RawRecord> rawIt = raw.collectAsync();
        WatchPipeline.Outputs watch = WatchPipeline.build(config, raw);
        CloseableIterator<Signal> signalsIt = watch.signals().collectAsync();
        CloseableIterator<DeadLetter> deadLettersIt = watch.deadLetters().collectAsync();
        started = System.nanoTime();
        env.executeAsync("python-producer-watch");
        // Drained side by side, so no collect sink waits on a full buffer. The bounded source
        // ends at the offsets of now, so the job finishes once it has read what Python wrote.
        List<InferenceEvent> decoded;
        List<RawRecord> records;
        List<Signal> signals;
        List<DeadLetter> deadLetters;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CompletableFuture<List<InferenceEvent>> decodedF = drainAsync(decodedIt, pool);
            CompletableFuture<List<RawRecord>> recordsF = drainAsync(rawIt, pool);
            CompletableFuture<List<Signal>> signalsF = drainAsync(signalsIt, pool);
            CompletableFuture<List<DeadLetter>> deadLettersF = drainAsync(deadLettersIt, pool);
            decoded = decodedF.get(10, TimeUnit.MINUTES);
            records = recordsF.get(10, TimeUnit.MINUTES);
            signals = signalsF.get(10, TimeUnit.MINUTES);
            deadLetters = deadLettersF.get(10, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
        long watchMillis = (System.nanoTime() - started) / 1_000_000;

        // Every record on the topic decoded, none dead, and each equal to what Python wrote.
        assertThat(records).hasSize(written.size());
        assertThat(deadLetters).isEmpty();
        assertThat(decoded).hasSize(records.size());
        for (InferenceEvent e : decoded) {
            assertThat(e).isEqualTo(written.get(e.getRequestId()));
        }
        // Keyed by deployment, on the partition Java's default partitioner picks for the key.
        int partitions = 2;
        for (RawRecord r : records) {
            String key = new String(r.getKey(), StandardCharsets.UTF_8);
            assertThat(key).isIn("chat-llm", "code-llm");
            assertThat(r.getPartition())
                    .isEqualTo(Utils.toPositive(Utils.murmur2(r.getKey())) % partitions);
        }

        // The slowdown raises the signal the plain-Java WATCH raises on the same bytes.
        List<OfflineWatch.Alarm> expected = OfflineWatch.alarms(asRecords);
        assertThat(expected).isNotEmpty();
        assertThat(signals)
                .extracting(
                        s ->
                                new OfflineWatch.Alarm(
                                        s.getDeployment(),
                                        s.getSignalName(),
                                        s.getEventTime(),
                                        (int) s.getEvidence().getWindowCount()))
                .containsExactlyInAnyOrderElementsOf(expected);
        Instant slowdown = written.get("py-chat-llm-002000").getEventTime();
        Signal latency =
                signals.stream()
                        .filter(s -> s.getSignalName().equals("latency_ms"))
                        .findFirst()
                        .orElseThrow();
        assertThat(latency.getDeployment()).isEqualTo("chat-llm");
        assertThat(latency.getEventTime()).isAfterOrEqualTo(slowdown);
        // Its evidence names Python's requests of the window, and the observed value is the
        // median latency of the successful requests Python wrote for that deployment in the
        // window's span (to the histogram's bucket width, 1/64). The ids are the first 32 of the
        // window in arrival order, which depends on how the two partitions interleave, so they
        // are checked to lie in the window, not used to compute its median.
        long from = latency.getEvidence().getWindowStart().toEpochMilli();
        long to = latency.getEvidence().getWindowEnd().toEpochMilli();
        List<InferenceEvent> window =
                written.values().stream()
                        .filter(e -> e.getDeployment().equals("chat-llm"))
                        .filter(
                                e ->
                                        e.getEventTime().toEpochMilli() >= from
                                                && e.getEventTime().toEpochMilli() <= to)
                        .toList();
        assertThat((long) window.size()).isEqualTo(latency.getEvidence().getWindowCount());
        List<String> requestIds = latency.getEvidence().getSourceIds();
        assertThat(requestIds)
                .isNotEmpty()
                .isSubsetOf(window.stream().map(InferenceEvent::getRequestId).toList());
        double[] ok =
                window.stream()
                        .filter(e -> e.getStatus() == InferenceStatus.OK)
                        .mapToDouble(InferenceEvent::getLatencyMs)
                        .sorted()
                        .toArray();
        double median = ok[(int) Math.ceil(0.5 * ok.length) - 1];
        assertThat(latency.getValue() / median).isBetween(1 - 1 / 64.0, 1 + 1 / 64.0);
        LOG.info(
                "Python produced {} events in {} ms; WATCH decoded {} ({} dead letters) and raised"
                        + " {} signal(s) in {} ms; first: {} {} at {} ({} s after the slowdown),"
                        + " value {} vs baseline {}",
                written.size(),
                produceMillis,
                decoded.size(),
                deadLetters.size(),
                signals.size(),
                watchMillis,
                latency.getDeployment(),
                latency.getSignalName(),
                latency.getEventTime(),
                (latency.getEventTime().toEpochMilli() - slowdown.toEpochMilli()) / 1000.0,
                latency.getValue(),
                latency.getEvidence().getBaseline().get("level"));
    }

    private static InferenceEvent fromJson(JsonNode e) {
        Map<String, Double> features = new LinkedHashMap<>();
        e.get("features")
                .fields()
                .forEachRemaining(f -> features.put(f.getKey(), f.getValue().asDouble()));
        return InferenceEvent.newBuilder()
                .setRequestId(e.get("requestId").asText())
                .setDeployment(e.get("deployment").asText())
                .setModelName(e.get("modelName").asText())
                .setModelVersion(e.get("modelVersion").asText())
                .setReplica(e.get("replica").asText())
                .setEventTime(Instant.ofEpochMilli(e.get("eventTime").asLong()))
                .setLatencyMs(e.get("latencyMs").asDouble())
                .setTtftMs(e.get("ttftMs").isNull() ? null : e.get("ttftMs").asDouble())
                .setTokensIn(e.get("tokensIn").asInt())
                .setTokensOut(e.get("tokensOut").asInt())
                .setStatus(InferenceStatus.valueOf(e.get("status").asText()))
                .setPredictionScore(
                        e.get("predictionScore").isNull()
                                ? null
                                : e.get("predictionScore").asDouble())
                .setFeatures(features)
                .build();
    }

    private static <T> CompletableFuture<List<T>> drainAsync(
            CloseableIterator<T> it, ExecutorService pool) {
        return CompletableFuture.supplyAsync(
                () -> {
                    List<T> all = new ArrayList<>();
                    try (it) {
                        it.forEachRemaining(all::add);
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot collect the job's output", e);
                    }
                    return all;
                },
                pool);
    }

    private static List<JsonNode> readLines(Path file) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            nodes.add(JSON.readTree(line));
        }
        return nodes;
    }

    private static void producer(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(python.toString());
        command.add(repo.resolve("notebooks/producer.py").toString());
        command.addAll(List.of(args));
        run(command, dir.resolve("producer.log"), 300);
    }

    /** Runs a command to completion within {@code timeoutSeconds}; returns its output lines. */
    private static List<String> run(List<String> command, Path log, long timeoutSeconds)
            throws Exception {
        Process process =
                new ProcessBuilder(command)
                        .directory(repo.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(
                    "timed out after " + timeoutSeconds + " s: " + command + "\n" + tail(log));
        }
        List<String> out = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertThat(process.exitValue())
                .as("exit status of %s; output:%n%s", command, tail(log))
                .isZero();
        return out;
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }

    /** The repository root: the first ancestor of the working directory with notebooks/run.sh. */
    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("notebooks/run.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException(
                "no notebooks/run.sh above " + Path.of("").toAbsolutePath());
    }
}
