package io.hormesis.jobs.control;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import io.hormesis.jobs.FlinkEnvironments;
import io.hormesis.jobs.HormesisJobs;
import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.control.CommandVerifier.Status;
import io.hormesis.jobs.demo.LocalStack;
import io.hormesis.jobs.kafka.KafkaBrokerProcess;
import io.hormesis.jobs.sim.twin.ArrivalTrace;
import io.hormesis.jobs.simulate.KafkaSimulation;
import io.hormesis.jobs.simulate.TwinDeployment;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.Command;
import io.hormesis.schema.CommandKind;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ServerSocket;
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
 * The closed loop against a real broker process: the CONTROL job on a MiniCluster, the fleet twin
 * driven over Kafka by {@link KafkaSimulation} in the bad-deploy scenario. The ROLLBACK to the
 * last-known-good version must arrive read_committed, exactly once, signed and verifiable, and soon
 * after the deploy in event time.
 */
class ControlLoopITCase {
    private static final Logger LOG = LoggerFactory.getLogger(ControlLoopITCase.class);
    private static final Instant START = Instant.parse("2026-01-15T14:00:00Z");
    private static final int SECONDS = 240;

    @Test
    void aBadDeployIsRolledBackOnceSignedAndVerifiable() throws Exception {
        long wallStart = System.nanoTime();
        Path dir =
                Files.createTempDirectory(
                        Path.of(System.getProperty("java.io.tmpdir")), "control-loop");
        // CONTROL configured for the twin: p95 SLO 4 s, 4 req/s per replica flat out.
        Map<String, String> settings =
                Map.of(
                        HormesisOptions.CONTROL_SLO_MS.key(), "4000",
                        HormesisOptions.CONTROL_PRIOR_CAPACITY.key(), "4",
                        HormesisOptions.CONTROL_PRIOR_WARMUP.key(), "30s",
                        // control.idle-input is wall time and the run is 4 times faster than
                        // real time: 5 s / 4 (see ChaosLoopITCase).
                        HormesisOptions.CONTROL_IDLE_INPUT.key(), "1250ms");
        try (LocalStack stack =
                LocalStack.start(dir, KafkaBrokerProcess.resolveLibDir(), settings)) {
            int prometheusPort;
            try (ServerSocket socket = new ServerSocket(0)) {
                prometheusPort = socket.getLocalPort();
            }
            StreamExecutionEnvironment env =
                    FlinkEnvironments.local(
                            stack.config(), 1, Duration.ofMillis(500), prometheusPort);
            HormesisJobs.define(env, stack.config(), EnumSet.of(HormesisJobs.Pipeline.CONTROL));
            JobClient job = env.executeAsync("control-loop-it");
            KafkaSimulation.Result result;
            TwinDeployment twin;
            try {
                awaitRunning(job);
                twin =
                        TwinDeployment.create(
                                "bad-deploy",
                                SECONDS,
                                ArrivalTrace.synthetic(SECONDS, 8.0, 0.1, 600),
                                START.toEpochMilli(),
                                42);
                KafkaSimulation simulation =
                        new KafkaSimulation(
                                twin,
                                CommandVerifier.of("k1", LocalStack.DEMO_SIGNING_KEY),
                                options(stack, 4));
                result = simulation.run(p -> {});
            } finally {
                job.cancel().get();
            }

            long deployedAt = twin.twin().deployedAt();
            assertThat(deployedAt).isEqualTo(START.toEpochMilli() + SECONDS / 3 * 1000L);
            List<KafkaSimulation.Received> rollbacks =
                    result.commands().stream()
                            .filter(c -> c.command().getKind() == CommandKind.ROLLBACK)
                            .toList();
            assertThat(rollbacks).hasSize(1);
            KafkaSimulation.Received received = rollbacks.get(0);
            Command rollback = received.command();
            assertThat(received.verdict().status()).isEqualTo(Status.ACCEPTED);
            assertThat(rollback.getRollback().getFromVersion()).isEqualTo("v8");
            assertThat(rollback.getRollback().getToVersion()).isEqualTo("v7");
            // The judge's evidence: error rate and scores always; latency only from intervals
            // when the replicas were under 80 % of their capacity (DeploymentController: a busy
            // deployment's latency says more about its load than its version), which in the
            // closed loop depends on how fast the SCALE commands took effect (latency_n is 0
            // then, and latency_p absent).
            assertThat(rollback.getEvidence()).containsKeys("error_p", "score_p", "latency_n");
            // Nothing forged, replayed or expired reached the controller without chaos.
            assertThat(result.verdicts())
                    .containsEntry(Status.FORGED, 0L)
                    .containsEntry(Status.REPLAYED, 0L)
                    .containsEntry(Status.EXPIRED, 0L);
            long issuedAfter = rollback.getIssuedAt().toEpochMilli() - deployedAt;
            long appliedAfter = received.simulatedAt() - deployedAt;
            assertThat(issuedAfter).isBetween(0L, 60_000L);
            assertThat(twin.twin().rolledBackAt()).isGreaterThanOrEqualTo(received.simulatedAt());

            // Read back from the topic, read_committed, from the beginning: exactly once.
            List<Command> onTopic =
                    readAll(stack, stack.config().get(HormesisOptions.TOPIC_COMMANDS));
            assertThat(onTopic)
                    .filteredOn(c -> c.getKind() == CommandKind.ROLLBACK)
                    .extracting(Command::getCommandId)
                    .containsExactly(rollback.getCommandId());
            assertThat(onTopic).extracting(Command::getCommandId).doesNotHaveDuplicates();
            assertThat(onTopic)
                    .extracting(Command::getCommandId)
                    .containsAll(
                            result.commands().stream()
                                    .map(r -> r.command().getCommandId())
                                    .toList());
            CommandVerifier fresh = CommandVerifier.of("k1", LocalStack.DEMO_SIGNING_KEY);
            assertThat(onTopic)
                    .allSatisfy(
                            c ->
                                    assertThat(fresh.verify(c, c.getIssuedAt()).status())
                                            .isEqualTo(Status.ACCEPTED));

            LOG.info(
                    "control loop: {} simulated s, {} inference events + {} other records,"
                            + " {} commands ({} ROLLBACK); rollback issued {} ms and applied {} ms"
                            + " of event time after the deploy; simulation {} s, test {} s wall",
                    result.simulatedSeconds(),
                    result.inferenceEvents(),
                    result.otherRecords(),
                    onTopic.size(),
                    rollbacks.size(),
                    issuedAfter,
                    appliedAfter,
                    String.format("%.1f", result.wallSeconds()),
                    String.format("%.1f", (System.nanoTime() - wallStart) / 1e9));
        }
    }

    static KafkaSimulation.Options options(LocalStack stack, double speedup) {
        var c = stack.config();
        return new KafkaSimulation.Options(
                stack.broker().bootstrapServers(),
                c.get(HormesisOptions.TOPIC_INFERENCE_EVENTS),
                c.get(HormesisOptions.TOPIC_RESOURCE_SAMPLES),
                c.get(HormesisOptions.TOPIC_MODEL_EVENTS),
                c.get(HormesisOptions.TOPIC_COMMAND_OUTCOMES),
                c.get(HormesisOptions.TOPIC_SIGNALS),
                c.get(HormesisOptions.TOPIC_COMMANDS),
                speedup,
                false,
                42,
                null,
                Duration.ofSeconds(2));
    }

    private static void awaitRunning(JobClient job) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (job.getJobStatus().get() != JobStatus.RUNNING) {
            assertThat(System.nanoTime()).as("job running within 60 s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** Every committed record of the topic, from the beginning to the last stable offset. */
    static List<Command> readAll(LocalStack stack, String topic) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", stack.broker().bootstrapServers());
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        AvroCodec<Command> codec = AvroCodec.of(Command.class);
        List<Command> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertThat(System.nanoTime()).as("read to the end").isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(codec.decode(r.value()));
                }
            }
        }
        return out;
    }
}
