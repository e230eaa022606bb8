package io.hormesis.jobs.faults;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import io.hormesis.jobs.FlinkEnvironments;
import io.hormesis.jobs.HormesisJobs;
import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.demo.LocalStack;
import io.hormesis.jobs.kafka.KafkaBrokerProcess;
import io.hormesis.jobs.lineage.LineageProgress;
import io.hormesis.jobs.sim.FleetSimulator;
import io.hormesis.jobs.testutils.DashboardQueries;
import io.hormesis.jobs.testutils.Fuzzer;
import io.hormesis.jobs.testutils.OfflineWatch;
import io.hormesis.jobs.testutils.PrometheusScrape;
import io.hormesis.jobs.testutils.StandaloneCluster;
import io.hormesis.jobs.testutils.TopicReader;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.Signal;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 100,000 fuzzed records interleaved with the demo fleet's traffic, through the three pipelines on
 * a MiniCluster against a real broker, with restarts disabled: the job must never fail, every
 * fuzzed record must be exactly one dead letter with a reason it may get, and the valid traffic
 * must give the signals the plain-Java oracle finds without the fuzz. The same run exports the job
 * metrics through the Prometheus reporter: every metric the Grafana dashboard queries must be among
 * them.
 */
class FuzzedInputITCase {
    private static final Logger LOG = LoggerFactory.getLogger(FuzzedInputITCase.class);
    private static final Instant START = Instant.parse("2026-01-15T14:00:00Z");
    private static final int FUZZED = 100_000;
    private static final Duration TIMEOUT = Duration.ofMinutes(4);

    private static LocalStack stack;

    @BeforeAll
    static void startKafka() throws Exception {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "fuzz");
        stack =
                LocalStack.start(
                        dir,
                        KafkaBrokerProcess.resolveLibDir(),
                        Map.of(HormesisOptions.WATCH_KNOWN_DEPLOYMENTS.key(), "chat-llm;code-llm"));
    }

    @AfterAll
    static void stopKafka() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void fuzzedRecordsBecomeDeadLettersWithoutARestartAndValidTrafficIsUnchanged()
            throws Exception {
        int prometheusPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            prometheusPort = socket.getLocalPort();
        }
        Configuration conf = new Configuration();
        conf.addAll(stack.config());
        conf.setString("execution.checkpointing.interval", "500 ms");
        conf.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
        conf.setString("execution.checkpointing.unaligned.enabled", "true");
        // Any exception would fail the job for good: "no restart" is then "still RUNNING".
        conf.setString("restart-strategy.type", "none");
        conf.setString("taskmanager.numberOfTaskSlots", "4");
        conf.setString("metrics.reporter.prom.factory.class", FlinkEnvironments.PROMETHEUS_FACTORY);
        conf.setString("metrics.reporter.prom.port", String.valueOf(prometheusPort));
        conf.setString("metrics.reporter.prom.host", "127.0.0.1");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
        HormesisJobs.define(env, stack.config(), EnumSet.allOf(HormesisJobs.Pipeline.class));
        JobClient job = env.executeAsync("fuzz-it");

        List<FleetSimulator.SimRecord> traffic =
                new FleetSimulator(FleetSimulator.Scenario.demo(START)).records();
        InferenceEvent template = AvroCodec.of(InferenceEvent.class).decode(traffic.get(0).value());
        List<Fuzzer.Fuzzed> fuzzed =
                new Fuzzer(20261201L, template, "not-a-deployment").records(FUZZED);

        String topic = stack.config().get(HormesisOptions.TOPIC_INFERENCE_EVENTS);
        Map<String, Fuzzer.Fuzzed> fuzzAt = new HashMap<>();
        Map<String, String> validAt = new HashMap<>();
        String metrics;
        try {
            long produceStart = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                List<Object> what = new ArrayList<>();
                int f = 0;
                for (int v = 0; v < traffic.size(); v++) {
                    int until = (int) ((long) FUZZED * (v + 1) / traffic.size());
                    for (; f < until; f++) {
                        Fuzzer.Fuzzed r = fuzzed.get(f);
                        sent.add(producer.send(record(topic, r.key(), r.value())));
                        what.add(r);
                    }
                    FleetSimulator.SimRecord r = traffic.get(v);
                    sent.add(producer.send(record(topic, r.key(), r.value())));
                    what.add(r);
                }
                producer.flush();
                for (int i = 0; i < sent.size(); i++) {
                    RecordMetadata m = sent.get(i).get();
                    String at = m.partition() + "@" + m.offset();
                    if (what.get(i) instanceof Fuzzer.Fuzzed fz) {
                        fuzzAt.put(at, fz);
                    } else {
                        validAt.put(at, ((FleetSimulator.SimRecord) what.get(i)).kind());
                    }
                }
            }
            LOG.info(
                    "fuzz: produced {} fuzzed + {} fleet records in {} s",
                    FUZZED,
                    traffic.size(),
                    (System.nanoTime() - produceStart) / 1_000_000_000.0);
            long malformedInTraffic =
                    traffic.stream().filter(r -> !r.kind().equals(FleetSimulator.VALID)).count();
            awaitDone(job, FUZZED + malformedInTraffic, topic);
            metrics = PrometheusScrape.get(prometheusPort);
            Files.writeString(
                    Path.of(System.getProperty("java.io.tmpdir"), "fuzz-metrics.txt"), metrics);
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel().get();
        }

        List<DeadLetter> deadLetters = deadLetters();
        Map<String, Long> perPosition =
                deadLetters.stream()
                        .filter(d -> d.getSourceTopic().equals(topic))
                        .collect(
                                Collectors.groupingBy(
                                        d -> d.getSourcePartition() + "@" + d.getSourceOffset(),
                                        Collectors.counting()));
        Map<String, Long> byReason = new TreeMap<>();
        List<String> wrongReasons = new ArrayList<>();
        for (DeadLetter d : deadLetters) {
            byReason.merge(d.getReasonCode(), 1L, Long::sum);
            Fuzzer.Fuzzed fz = fuzzAt.get(d.getSourcePartition() + "@" + d.getSourceOffset());
            if (fz != null && !fz.reasons().contains(d.getReasonCode())) {
                wrongReasons.add(fz.kind() + " got " + d.getReasonCode() + ": " + d.getReason());
            }
        }
        long missing = fuzzAt.keySet().stream().filter(at -> !perPosition.containsKey(at)).count();
        LOG.info(
                "fuzz figures: {} fuzzed, {} dead letters ({} for fuzzed records, {} missing,"
                        + " {} duplicated), by reason {}",
                FUZZED,
                deadLetters.size(),
                perPosition.keySet().stream().filter(fuzzAt::containsKey).count(),
                missing,
                perPosition.values().stream().filter(n -> n > 1).count(),
                byReason);

        assertThat(wrongReasons).isEmpty();
        assertThat(missing).isZero();
        assertThat(perPosition.values()).allMatch(n -> n == 1);
        // Every dead letter is a fuzzed record or one of the fleet's own malformed ones.
        assertThat(perPosition.keySet())
                .allMatch(at -> fuzzAt.containsKey(at) || !"event".equals(validAt.get(at)));
        assertThat(byReason)
                .containsKeys(
                        "EMPTY",
                        "BAD_HEADER",
                        "UNKNOWN_SCHEMA",
                        "TRUNCATED",
                        "CORRUPT",
                        "INVALID",
                        "UNKNOWN_DEPLOYMENT");

        // The valid traffic gives what the oracle finds in it alone.
        List<OfflineWatch.Alarm> expected = OfflineWatch.alarms(traffic);
        List<Signal> signals = signals();
        assertThat(
                        signals.stream()
                                .map(
                                        s ->
                                                s.getDeployment()
                                                        + " "
                                                        + s.getSignalName()
                                                        + " "
                                                        + s.getEventTime())
                                .collect(Collectors.toList()))
                .containsExactlyInAnyOrderElementsOf(
                        expected.stream()
                                .map(
                                        a ->
                                                a.deployment()
                                                        + " "
                                                        + a.signalName()
                                                        + " "
                                                        + a.eventTime())
                                .collect(Collectors.toList()));

        // The dashboard's queries name metrics this run exported.
        Path dashboard =
                StandaloneCluster.projectRoot().resolve("deploy/grafana/dashboards/hormesis.json");
        Set<String> queried = DashboardQueries.metricNames(dashboard);
        Set<String> exported = PrometheusScrape.metricNames(metrics);
        LOG.info("dashboard queries {} metrics; {} exported", queried.size(), exported.size());
        assertThat(queried).isNotEmpty();
        assertThat(exported).containsAll(queried);
        assertThat(PrometheusScrape.value(metrics, "flink_jobmanager_job_numRestarts"))
                .isEqualTo(0.0);
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
    }

    /** Waits until WATCH committed the whole input and every dead letter is committed. */
    private static void awaitDone(JobClient job, long deadLetters, String topic) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String last = "";
        try (LineageProgress progress = new LineageProgress(stack.config())) {
            while (System.nanoTime() < deadline) {
                JobStatus status = job.getJobStatus().get();
                assertThat(status).as("job status").isEqualTo(JobStatus.RUNNING);
                long lag = progress.lag("hormesis-watch", topic);
                int letters = lag > 0 ? -1 : deadLetters().size();
                last = "lag " + lag + ", dead letters " + letters;
                if (lag == 0 && letters >= deadLetters) {
                    return;
                }
                Thread.sleep(500);
            }
        }
        throw new TimeoutException("fuzz run not done within " + TIMEOUT + ": " + last);
    }

    private static List<DeadLetter> deadLetters() throws Exception {
        return decode(stack.config().get(HormesisOptions.TOPIC_DEAD_LETTERS), DeadLetter.class);
    }

    private static List<Signal> signals() throws Exception {
        return decode(stack.config().get(HormesisOptions.TOPIC_SIGNALS), Signal.class);
    }

    private static <T extends org.apache.avro.specific.SpecificRecordBase> List<T> decode(
            String topic, Class<T> type) throws Exception {
        AvroCodec<T> codec = AvroCodec.of(type);
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r :
                TopicReader.readAll(
                        stack.broker().bootstrapServers(), topic, true, Duration.ofSeconds(60))) {
            out.add(codec.decode(r.value()));
        }
        return out;
    }
}
