package io.hormesis.jobs;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.time.Duration;

/** Builds the execution environments the CLI and the tests run on. */
public final class FlinkEnvironments {
    private FlinkEnvironments() {}

    private static volatile boolean submittedToCluster;

    /**
     * Whether the last {@link #forJob} environment was a cluster's ({@code flink run}, REST {@code
     * /jars/<id>/run}) rather than a local MiniCluster. The main method then runs inside the client
     * or the JobManager's JVM, which it must not exit.
     */
    /**
     * Whether this JVM runs the CLI under a Flink client ({@code flink run}, or a REST submission
     * inside the JobManager) rather than as {@code java -jar}: the client installs a context
     * environment before it calls {@code main}.
     */
    public static boolean underFlinkClient() {
        return !(StreamExecutionEnvironment.getExecutionEnvironment()
                instanceof LocalStreamEnvironment);
    }

    public static boolean submittedToCluster() {
        return submittedToCluster;
    }

    public static final String PROMETHEUS_FACTORY =
            "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";

    /**
     * A local MiniCluster environment with exactly-once checkpoints every {@code checkpoints} and,
     * when {@code prometheusPort > 0}, Flink's Prometheus reporter on that port.
     */
    public static StreamExecutionEnvironment local(
            Configuration settings, int parallelism, Duration checkpoints, int prometheusPort) {
        Configuration conf = new Configuration();
        conf.addAll(settings);
        conf.setString("execution.checkpointing.interval", checkpoints.toMillis() + " ms");
        conf.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
        conf.setString("execution.checkpointing.unaligned.enabled", "true");
        conf.setString("restart-strategy.type", "exponential-delay");
        conf.setString("taskmanager.numberOfTaskSlots", String.valueOf(Math.max(4, parallelism)));
        if (prometheusPort > 0) {
            conf.setString("metrics.reporter.prom.factory.class", PROMETHEUS_FACTORY);
            conf.setString("metrics.reporter.prom.port", String.valueOf(prometheusPort));
        }
        return StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    }

    /**
     * The environment of a job submitted with {@code flink run} (the cluster's), or a local one
     * when run with {@code java -jar}; checkpointing is switched on when the cluster left it off.
     */
    public static StreamExecutionEnvironment forJob(Configuration settings) {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(settings);
        submittedToCluster = !(env instanceof LocalStreamEnvironment);
        if (!env.getCheckpointConfig().isCheckpointingEnabled()) {
            env.enableCheckpointing(Duration.ofSeconds(10).toMillis());
        }
        return env;
    }
}
