package io.hormesis.jobs.soak;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;

import io.hormesis.jobs.demo.LocalStack;
import io.hormesis.jobs.kafka.ByteProducers;
import io.hormesis.jobs.testutils.FlinkRest;
import io.hormesis.jobs.testutils.Records;
import io.hormesis.jobs.testutils.StandaloneCluster;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.InferenceEvent;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sustained simulated load on the standalone cluster ({@code mvn -Psoak verify}, 30 minutes by
 * default, {@code -Dhormesis.soak.minutes=N}): the three jobs from the shaded jar, a steady stream
 * of requests from deployments that rotate (each minute half of them are replaced by new ones),
 * state TTL {@code hormesis.soak.ttl} (default 1 min). Every minute it prints, per job, the last
 * checkpoint's full state size, incremental size and duration (REST {@code
 * /jobs/<id>/checkpoints}). Without TTL the keyed state would grow with every new deployment; with
 * it the state size must level off: at the end it is at most twice what it was once the first keys
 * could have expired, and no job restarted.
 */
class SoakITCase {
    private static final Logger LOG = LoggerFactory.getLogger(SoakITCase.class);
    private static final String ENTRY = "io.hormesis.jobs.cli.HormesisCli";
    private static final int ACTIVE_DEPLOYMENTS = 40;
    private static final double EVENTS_PER_SECOND = 400;
    private static final Duration COMMAND_TTL = Duration.ofSeconds(30);

    @Test
    void stateStaysBoundedByItsTtlUnderSustainedLoad() throws Exception {
        Duration soak = Duration.ofMinutes(Long.getLong("hormesis.soak.minutes", 30));
        Duration ttl = Duration.parse("PT" + System.getProperty("hormesis.soak.ttl", "1M"));
        Path jar = StandaloneCluster.projectRoot().resolve("jobs/target/hormesis.jar");
        assertThat(jar).isRegularFile();
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "soak");
        List<String> lines = new ArrayList<>();
        try (StandaloneCluster cluster =
                StandaloneCluster.start(
                        dir,
                        "execution.checkpointing.interval: 10 s\n"
                                // RocksDB's estimate of its keys, per state: with the state's
                                // bytes, it tells a leak (keys keep growing) from files that
                                // compaction has not rewritten yet (bytes grow, keys do not).
                                + "state.backend.rocksdb.metrics.estimate-num-keys: true")) {
            FlinkRest rest = new FlinkRest(cluster.restUrl());
            String jarId = rest.uploadJar(jar);
            Map<String, String> jobs = new LinkedHashMap<>();
            for (String job : List.of("watch", "control", "lineage")) {
                jobs.put(
                        job,
                        rest.runJar(
                                jarId,
                                ENTRY,
                                List.of(
                                        job,
                                        "--bootstrap-servers",
                                        cluster.bootstrapServers(),
                                        "--warehouse",
                                        dir.resolve("warehouse").toString(),
                                        "--set",
                                        "state.ttl=" + ttl.toSeconds() + " s",
                                        // CONTROL's state must outlive a deployment's last tick.
                                        "--set",
                                        "control.idle-after=" + ttl.toSeconds() / 2 + " s",
                                        // Nothing applies the soak's commands: each expires.
                                        "--set",
                                        "control.command-ttl=" + COMMAND_TTL.toSeconds() + " s",
                                        "--set",
                                        "control.signing-key=" + LocalStack.DEMO_SIGNING_KEY)));
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong produced = new AtomicLong();
            CompletableFuture<Void> load =
                    CompletableFuture.runAsync(
                            () -> produce(cluster.bootstrapServers(), stop, produced));
            long start = System.nanoTime();
            Map<String, List<Long>> sizes = new LinkedHashMap<>();
            try {
                for (int minute = 1; minute <= soak.toMinutes(); minute++) {
                    long due = start + Duration.ofMinutes(minute).toNanos();
                    while (System.nanoTime() < due && !load.isDone()) {
                        // Reporting once a minute is the point: a fixed-rate report, not a wait.
                        Thread.sleep(
                                Math.min(
                                        1_000, Math.max(1, (due - System.nanoTime()) / 1_000_000)));
                    }
                    if (load.isDone()) {
                        load.get();
                    }
                    StringBuilder line =
                            new StringBuilder(
                                    String.format(
                                            Locale.ROOT,
                                            "soak minute %d: %,d events produced",
                                            minute,
                                            produced.get()));
                    for (Map.Entry<String, String> job : jobs.entrySet()) {
                        JsonNode completed =
                                rest.checkpoints(job.getValue()).path("latest").path("completed");
                        long size = completed.path("state_size").asLong(-1);
                        sizes.computeIfAbsent(job.getKey(), k -> new ArrayList<>()).add(size);
                        line.append(
                                String.format(
                                        Locale.ROOT,
                                        "; %s: state %,d B (incremental %,d B), ~%,d keys,"
                                                + " checkpoint %d ms, restarts %d",
                                        job.getKey(),
                                        size,
                                        completed.path("checkpointed_size").asLong(-1),
                                        rest.sumOfOperatorMetrics(
                                                job.getValue(), "estimate-num-keys"),
                                        completed.path("end_to_end_duration").asLong(-1),
                                        rest.numRestarts(job.getValue())));
                    }
                    LOG.info("{}", line);
                    lines.add(line.toString());
                }
            } finally {
                stop.set(true);
                load.get();
                Files.write(dir.resolve("soak.txt"), lines, StandardCharsets.UTF_8);
            }
            for (String id : jobs.values()) {
                assertThat(rest.numRestarts(id)).isZero();
            }
            // Once the first deployments could have expired (two TTLs plus a rotation, and for
            // CONTROL a command's timeout on top), the state must not keep growing with the new
            // deployments. LINEAGE keeps one hash-chain head per deployment (no TTL, by design).
            int settled =
                    (int) Math.ceil((2 * ttl.toSeconds() + COMMAND_TTL.toSeconds() + 60) / 60.0);
            for (String job : List.of("watch", "control")) {
                List<Long> series = sizes.get(job);
                assertThat(series)
                        .as(
                                "a soak of %d minutes is too short for a TTL of %s",
                                soak.toMinutes(), ttl)
                        .hasSizeGreaterThan(settled);
                long reference = series.get(settled - 1);
                long last = series.get(series.size() - 1);
                LOG.info(
                        "soak: {} state {} B at minute {}, {} B at the end",
                        job,
                        reference,
                        settled,
                        last);
                assertThat(reference).as(job).isPositive();
                assertThat(last).as("%s state at the end", job).isLessThanOrEqualTo(2 * reference);
            }
        }
    }

    /** Steady load: deployment {@code soak-N}, N rotating so half the fleet is new each minute. */
    private static void produce(String bootstrap, AtomicBoolean stop, AtomicLong produced) {
        AvroCodec<InferenceEvent> codec = AvroCodec.of(InferenceEvent.class);
        Random random = new Random(7);
        long startNanos = System.nanoTime();
        Instant start = Instant.now().minusSeconds(60);
        try (KafkaProducer<byte[], byte[]> producer = ByteProducers.create(bootstrap)) {
            for (long i = 0; !stop.get(); i++) {
                long due = (long) (i * 1e9 / EVENTS_PER_SECOND);
                long wait = due - (System.nanoTime() - startNanos);
                if (wait > 0) {
                    // Pacing the load generator to its rate.
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                long elapsedSeconds = (System.nanoTime() - startNanos) / 1_000_000_000L;
                long generation = elapsedSeconds * ACTIVE_DEPLOYMENTS / 120;
                String deployment = "soak-" + (generation + random.nextInt(ACTIVE_DEPLOYMENTS));
                InferenceEvent e =
                        Records.event("soak-" + i, 100 * Math.exp(0.1 * random.nextGaussian()))
                                .setDeployment(deployment)
                                .setEventTime(
                                        start.plusMillis((long) (i * 1000 / EVENTS_PER_SECOND)))
                                .build();
                producer.send(
                        new ProducerRecord<>(
                                "inference-events",
                                deployment.getBytes(StandardCharsets.UTF_8),
                                codec.encode(e)));
                produced.incrementAndGet();
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
