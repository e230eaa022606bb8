package io.hormesis.jobs.control;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import io.hormesis.jobs.FlinkEnvironments;
import io.hormesis.jobs.HormesisJobs;
import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.demo.LocalStack;
import io.hormesis.jobs.kafka.KafkaBrokerProcess;
import io.hormesis.jobs.testutils.PrometheusScrape;
import io.hormesis.jobs.testutils.TopicReader;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.Command;
import io.hormesis.schema.Decision;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;
import io.hormesis.schema.ResourceSample;
import io.hormesis.stats.control.ControlOutput;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CONTROL started on a backlog: ten minutes of two deployments' requests (one per partition of
 * {@code inference-events}) and their resource samples are on the broker before the job starts, so
 * its five sources read them at very different speeds (the 240 resource samples arrive in one
 * fetch, the 24,000 requests in dozens). Its decisions must be exactly those of the plain-Java
 * {@link ControlOracle} over the same records, with no request late: that holds only if every
 * partition has its own watermark from its records' event time. With one watermark after the union
 * of the topics (as before), the resource samples' ten minutes moved it past nearly every request.
 */
class ControlBacklogITCase {
    private static final Logger LOG = LoggerFactory.getLogger(ControlBacklogITCase.class);
    private static final long T0 = Instant.parse("2026-01-15T14:00:00Z").toEpochMilli();
    private static final Duration WAIT = Duration.ofMinutes(4);
    private static final int SECONDS = 600;
    private static final List<String> DEPLOYMENTS = List.of("backlog-a", "backlog-b");

    @Test
    void decisionsOnABacklogAreTheOraclesWithNoRequestLate() throws Exception {
        Path dir =
                Files.createTempDirectory(
                        Path.of(System.getProperty("java.io.tmpdir")), "control-backlog");
        Map<String, String> settings =
                Map.of(
                        HormesisOptions.CONTROL_SLO_MS.key(), "1000",
                        HormesisOptions.CONTROL_PRIOR_CAPACITY.key(), "10",
                        HormesisOptions.CONTROL_PRIOR_WARMUP.key(), "30s",
                        HormesisOptions.CONTROL_INITIAL_REPLICAS.key(), "2",
                        // Longer than a partition with a backlog can wait for its turn: the
                        // consumer drains one partition's fetch (up to 1 MB, ~10,000 requests)
                        // before the next, and a partition idle for 5 s on a loaded machine
                        // let the other run ahead (24 of 40 decisions matched).
                        HormesisOptions.CONTROL_IDLE_INPUT.key(), "60s");
        try (LocalStack stack =
                LocalStack.start(dir, KafkaBrokerProcess.resolveLibDir(), settings)) {
            var config = stack.config();
            List<ControlRecord> records = produceBacklog(stack);
            ControlSettings controlSettings = ControlSettings.from(config);
            long outOfOrderness =
                    config.get(HormesisOptions.CONTROL_MAX_OUT_OF_ORDERNESS).toMillis();
            ControlOracle.Result oracle =
                    ControlOracle.run(controlSettings, records, outOfOrderness);
            assertThat(oracle.lateEvents()).isZero();
            assertThat(oracle.commands()).as("the backlog makes CONTROL scale").isNotEmpty();
            // Every decision up to the last tick both certainly reach (the job's final
            // watermark is the oracle's once its sources are idle).
            long bound = oracle.finalWatermark() - controlSettings.intervalMillis();
            List<String> expectedDecisions =
                    oracle.decisions().stream()
                            .filter(d -> d.decidedAt() <= bound)
                            .map(ControlBacklogITCase::describe)
                            .sorted()
                            .toList();
            List<String> expectedCommands =
                    oracle.commands().stream()
                            .filter(c -> c.issuedAt() <= bound)
                            .map(ControlOracle::describe)
                            .sorted()
                            .toList();

            int prometheusPort;
            try (ServerSocket socket = new ServerSocket(0)) {
                prometheusPort = socket.getLocalPort();
            }
            StreamExecutionEnvironment env =
                    FlinkEnvironments.local(config, 1, Duration.ofMillis(500), prometheusPort);
            HormesisJobs.define(env, config, EnumSet.of(HormesisJobs.Pipeline.CONTROL));
            JobClient job = env.executeAsync("control-backlog-it");
            List<String> decisions;
            try {
                AvroCodec<Decision> codec = AvroCodec.of(Decision.class);
                String topic = config.get(HormesisOptions.TOPIC_DECISIONS);
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (true) {
                    decisions = new ArrayList<>();
                    for (ConsumerRecord<byte[], byte[]> r :
                            TopicReader.readAll(
                                    stack.broker().bootstrapServers(),
                                    topic,
                                    true,
                                    Duration.ofSeconds(30))) {
                        Decision d = codec.decode(r.value());
                        if (d.getDecidedAt().toEpochMilli() <= bound) {
                            decisions.add(describe(d));
                        }
                    }
                    if (decisions.size() >= expectedDecisions.size()) {
                        break;
                    }
                    if (System.nanoTime() > deadline) {
                        List<String> have = decisions;
                        String scrape = PrometheusScrape.get(prometheusPort);
                        throw new AssertionError(
                                String.format(
                                        "%d of the oracle's %d decisions within %s;"
                                                + " missing %s; unexpected %s; metrics:%n%s",
                                        have.size(),
                                        expectedDecisions.size(),
                                        WAIT,
                                        expectedDecisions.stream()
                                                .filter(d -> !have.contains(d))
                                                .limit(5)
                                                .toList(),
                                        have.stream()
                                                .filter(d -> !expectedDecisions.contains(d))
                                                .limit(5)
                                                .toList(),
                                        scrape.lines()
                                                .filter(
                                                        l ->
                                                                !l.startsWith("#")
                                                                        && (l.contains(
                                                                                        "currentInputWatermark")
                                                                                || l.contains(
                                                                                        "control_late_events")))
                                                .toList()));
                    }
                    // Polling the topic: a committed decision shows on the next checkpoint.
                    Thread.sleep(500);
                }
            } finally {
                job.cancel().get();
            }
            AvroCodec<Command> commandCodec = AvroCodec.of(Command.class);
            List<String> commands = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r :
                    TopicReader.readAll(
                            stack.broker().bootstrapServers(),
                            config.get(HormesisOptions.TOPIC_COMMANDS),
                            true,
                            Duration.ofSeconds(30))) {
                Command c = commandCodec.decode(r.value());
                if (c.getIssuedAt().toEpochMilli() <= bound) {
                    commands.add(ControlOracle.describe(c));
                }
            }
            assertThat(decisions.stream().sorted().toList())
                    .as("decisions up to %s", Instant.ofEpochMilli(bound))
                    .isEqualTo(expectedDecisions);
            assertThat(commands.stream().sorted().toList()).isEqualTo(expectedCommands);
            LOG.info(
                    "control backlog: {} records, {} decisions and {} commands as the oracle's",
                    records.size(),
                    decisions.size(),
                    commands.size());
        }
    }

    /** A decision's identity and its figures: what the oracle must agree on. */
    private static String describe(Decision d) {
        return String.join(
                "|",
                d.getDecisionId(),
                d.getPolicy(),
                d.getOutcome().name(),
                String.valueOf(d.getDecidedAt().toEpochMilli()),
                d.getReason());
    }

    private static String describe(ControlOutput.Decision d) {
        return String.join(
                "|",
                d.decisionId(),
                d.policy(),
                d.outcome().name(),
                String.valueOf(d.decidedAt()),
                d.reason());
    }

    /**
     * Ten minutes of each deployment, on its own partition: 15 req/s with a surge to 40 req/s from
     * minute 4 to 7, a resource sample every 5 s with its 2 replicas ready (nothing applies
     * CONTROL's commands). Returns the records in the order produced.
     */
    private static List<ControlRecord> produceBacklog(LocalStack stack) throws Exception {
        var config = stack.config();
        String events = config.get(HormesisOptions.TOPIC_INFERENCE_EVENTS);
        String resources = config.get(HormesisOptions.TOPIC_RESOURCE_SAMPLES);
        AvroCodec<InferenceEvent> eventCodec = AvroCodec.of(InferenceEvent.class);
        AvroCodec<ResourceSample> resourceCodec = AvroCodec.of(ResourceSample.class);
        List<ControlRecord> records = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
            List<Random> randoms = List.of(new Random(11), new Random(12));
            int[] seqs = new int[DEPLOYMENTS.size()];
            // Second by second, so every partition (the resource samples' too) is in event-time
            // order.
            for (int s = 0; s < SECONDS; s++) {
                for (int p = 0; p < DEPLOYMENTS.size(); p++) {
                    String deployment = DEPLOYMENTS.get(p);
                    byte[] key = deployment.getBytes(StandardCharsets.UTF_8);
                    Random random = randoms.get(p);
                    long second = T0 + s * 1000L;
                    double rate = s >= 240 && s < 420 ? 40 : 15;
                    int n = (int) Math.floor(rate + random.nextDouble());
                    for (int i = 0; i < n; i++) {
                        InferenceEvent e =
                                InferenceEvent.newBuilder()
                                        .setRequestId(deployment + "-r" + seqs[p]++)
                                        .setDeployment(deployment)
                                        .setModelName("llama-chat")
                                        .setModelVersion("v7")
                                        .setReplica("replica-0")
                                        .setEventTime(Instant.ofEpochMilli(second + i * 1000L / n))
                                        .setLatencyMs(300 * Math.exp(0.1 * random.nextGaussian()))
                                        .setTtftMs(null)
                                        .setTokensIn(100)
                                        .setTokensOut(100)
                                        .setStatus(
                                                random.nextDouble() < 0.01
                                                        ? InferenceStatus.ERROR
                                                        : InferenceStatus.OK)
                                        .setPredictionScore(null)
                                        .setFeatures(Map.of())
                                        .build();
                        producer.send(new ProducerRecord<>(events, p, key, eventCodec.encode(e)));
                        records.add(ControlRecord.of(e));
                    }
                    if (s % 5 == 0) {
                        ResourceSample r =
                                ResourceSample.newBuilder()
                                        .setDeployment(deployment)
                                        .setReplica("replica-0")
                                        .setEventTime(Instant.ofEpochMilli(second))
                                        .setGpuUtilization(0.5)
                                        .setGpuMemoryUsedMiB(1000)
                                        .setQueueDepth(0)
                                        .setReadyReplicas(2)
                                        .build();
                        producer.send(
                                new ProducerRecord<>(resources, 0, key, resourceCodec.encode(r)));
                        records.add(ControlRecord.of(r));
                    }
                }
            }
            producer.flush();
        }
        return records;
    }
}
