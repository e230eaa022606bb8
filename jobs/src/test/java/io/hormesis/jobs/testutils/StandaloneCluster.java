package io.hormesis.jobs.testutils;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Drives {@code deploy/cluster/cluster.sh}, the script a user runs: a real standalone Flink session
 * cluster (JobManager and TaskManager JVMs) and a Kafka broker, on free loopback ports.
 */
public final class StandaloneCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneCluster.class);
    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(5);

    private final Path root;
    private final Path dir;
    private final Map<String, String> env = new HashMap<>();
    private final int restPort;
    private final int kafkaPort;
    private final Thread shutdownHook = new Thread(this::stopQuietly, "standalone-cluster-stop");

    private StandaloneCluster(Path root, Path dir, String confOverrides) throws IOException {
        this.root = root;
        this.dir = dir;
        int[] ports = freePorts(6);
        this.restPort = ports[0];
        this.kafkaPort = ports[4];
        env.put("HORMESIS_CLUSTER_DIR", dir.toString());
        env.put("HORMESIS_REST_PORT", String.valueOf(ports[0]));
        env.put("HORMESIS_RPC_PORT", String.valueOf(ports[1]));
        env.put("HORMESIS_BLOB_PORT", String.valueOf(ports[2]));
        // The reporter takes the first free port of its range; a range of one per process
        // would clash when a new TaskManager starts before the old one's port is released.
        env.put("HORMESIS_PROM_PORTS", ports[3] + "-" + (ports[3] + 5));
        env.put("HORMESIS_KAFKA_PORT", String.valueOf(ports[4]));
        env.put("HORMESIS_KAFKA_CONTROLLER_PORT", String.valueOf(ports[5]));
        env.put("HORMESIS_FLINK_CONF_OVERRIDES", confOverrides);
    }

    /** Runs {@code cluster.sh start} in {@code dir}; {@code confOverrides} are YAML lines. */
    public static StandaloneCluster start(Path dir, String confOverrides) throws IOException {
        StandaloneCluster cluster = new StandaloneCluster(projectRoot(), dir, confOverrides);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        cluster.run("start");
        return cluster;
    }

    /** The repository root: the directory holding {@code deploy/cluster/cluster.sh}. */
    public static Path projectRoot() {
        Path cwd = Path.of("").toAbsolutePath();
        for (Path p = cwd; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("deploy/cluster/cluster.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("no deploy/cluster/cluster.sh above " + cwd);
    }

    public String restUrl() {
        return "http://127.0.0.1:" + restPort;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + kafkaPort;
    }

    public Path dir() {
        return dir;
    }

    public void killTaskManager() throws IOException {
        run("kill-tm");
    }

    public void startTaskManager() throws IOException {
        run("start-tm");
    }

    public void restartKafka() throws IOException {
        run("restart-kafka");
    }

    /** Runs one script command, bounded; fails with the script's output when it fails. */
    public String run(String command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", "deploy/cluster/cluster.sh", command));
        Path out = Files.createTempFile(Files.createDirectories(dir), "cluster-" + command, ".out");
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .directory(root.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(SCRIPT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("cluster.sh " + command + " ran over " + SCRIPT_TIMEOUT);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: cluster.sh " + command, e);
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(
                    "cluster.sh " + command + " exited " + p.exitValue() + ":\n" + output);
        }
        LOG.info("cluster.sh {}:\n{}", command, output.strip());
        return output;
    }

    @Override
    public void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // Shutting down already: the hook does the same.
        }
    }

    private void stopQuietly() {
        try {
            run("stop");
        } catch (IOException e) {
            LOG.warn("cluster.sh stop failed", e);
        }
    }

    /** Free loopback ports, the last-but-one followed by five more free ones (a port range). */
    private static int[] freePorts(int count) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            List<ServerSocket> sockets = new ArrayList<>();
            try {
                int[] ports = new int[count];
                boolean ok = true;
                for (int i = 0; i < count && ok; i++) {
                    ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                    sockets.add(s);
                    ports[i] = s.getLocalPort();
                }
                for (int extra = 1; extra <= 5 && ok; extra++) {
                    try {
                        sockets.add(
                                new ServerSocket(
                                        ports[3] + extra, 1, InetAddress.getLoopbackAddress()));
                    } catch (IOException e) {
                        ok = false;
                    }
                }
                if (ok) {
                    return ports;
                }
            } finally {
                for (ServerSocket s : sockets) {
                    s.close();
                }
            }
        }
        throw new IOException("no free port range found");
    }
}
