package io.hormesis.jobs.demo;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;

import io.hormesis.jobs.FlinkEnvironments;
import io.hormesis.jobs.HormesisJobs;
import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.lineage.LineageCatalog;
import io.hormesis.jobs.lineage.LineageProgress;
import io.hormesis.jobs.sim.FleetSimulator;
import io.hormesis.jobs.sql.LineageSql;
import org.apache.kafka.clients.producer.KafkaProducer;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;

/**
 * The one-command demo: a real broker, the three pipelines in one MiniCluster job, the simulated
 * fleet with a latency regression and malformed records, a live timeline, and finally SQL over the
 * Iceberg lineage tables.
 */
public final class Demo {
    private Demo() {}

    /** How the demo runs. */
    public record Options(Path dir, Path kafkaLib, double speedup, Duration timeout) {}

    /**
     * The query the demo ends with: each command beside the detector signals of its deployment in
     * the five minutes before it (CONTROL acts on its own telemetry and cites the signals it had
     * seen; this join does not depend on which arrived first).
     */
    public static final String WHY_QUERY =
            "SELECT c.issued_at, c.kind, c.deployment, c.from_replicas, c.target_replicas,"
                    + " s.signal_name, ROUND(s.`value`, 1) AS observed,"
                    + " ROUND(s.baseline['level'], 1) AS baseline_level,"
                    + " s.statistic, s.statistic_value AS p, s.window_count"
                    + " FROM commands c JOIN signals s ON s.deployment = c.deployment"
                    + " AND s.kind <> 'ESCALATION' AND s.event_time <= c.issued_at"
                    + " AND s.event_time > c.issued_at - INTERVAL '5' MINUTE"
                    + " ORDER BY c.issued_at";

    public static void run(Options options, PrintStream out) throws Exception {
        long wallStart = System.nanoTime();
        out.println(
                "Hormesis demo: Kafka (KRaft) + Flink MiniCluster + Iceberg, in "
                        + options.dir().toAbsolutePath());
        int prometheusPort = freePort();
        try (LocalStack stack = LocalStack.start(options.dir(), options.kafkaLib(), Map.of())) {
            out.printf(
                    Locale.ROOT,
                    "  Kafka broker  %s (pid %d)%n",
                    stack.broker().bootstrapServers(),
                    stack.broker().pid());
            out.printf(
                    Locale.ROOT,
                    "  Iceberg       %s%n",
                    LineageCatalog.warehouseUri(stack.config()));
            out.printf(
                    Locale.ROOT, "  Prometheus    http://127.0.0.1:%d/metrics%n", prometheusPort);

            StreamExecutionEnvironment env =
                    FlinkEnvironments.local(
                            stack.config(), 1, Duration.ofSeconds(1), prometheusPort);
            HormesisJobs.define(env, stack.config(), EnumSet.allOf(HormesisJobs.Pipeline.class));
            JobClient job = env.executeAsync("hormesis-all-in-one");
            out.printf("  Flink job     %s (WATCH + CONTROL + LINEAGE)%n%n", job.getJobID());

            FleetSimulator simulator = new FleetSimulator(FleetSimulator.Scenario.demoRecent());
            Quiescence.Figures figures;
            try (Timeline timeline = stack.timeline(out);
                    LineageProgress progress = new LineageProgress(stack.config());
                    KafkaProducer<byte[], byte[]> producer = stack.producer()) {
                int produced =
                        simulator.produce(
                                producer,
                                stack.config().get(HormesisOptions.TOPIC_INFERENCE_EVENTS),
                                options.speedup(),
                                Duration.ofSeconds(30),
                                p ->
                                        out.printf(
                                                Locale.ROOT,
                                                "%tT.000  EVENTS IN    %d of %d produced%n",
                                                java.util.Date.from(p.eventTime()),
                                                p.produced(),
                                                p.total()));
                out.printf(
                        "  simulator done: %d records; waiting for the pipelines...%n", produced);
                figures =
                        Quiescence.await(
                                timeline,
                                progress,
                                "hormesis-watch",
                                stack.config().get(HormesisOptions.TOPIC_INFERENCE_EVENTS),
                                1,
                                Duration.ofSeconds(3),
                                options.timeout());
            } finally {
                job.cancel().get();
            }
            out.printf(
                    Locale.ROOT,
                    "%n  settled: %d signals, %d commands, %d dead letters on Kafka;"
                            + " %d signal rows, %d command rows in Iceberg%n",
                    figures.signals(),
                    figures.commands(),
                    figures.deadLetters(),
                    figures.signalRows(),
                    figures.commandRows());

            out.printf(
                    "%nWhy did it scale? (Flink SQL over the Iceberg lineage tables)%n> %s%n",
                    WHY_QUERY);
            LineageSql sql = new LineageSql(stack.config());
            TableResult result = sql.execute(WHY_QUERY);
            result.print();
        }
        out.printf(
                Locale.ROOT, "Demo finished in %.1f s.%n", (System.nanoTime() - wallStart) / 1e9);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket =
                new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
