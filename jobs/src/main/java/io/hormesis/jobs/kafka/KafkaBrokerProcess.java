package io.hormesis.jobs.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process) running as a child
 * JVM from the jars of the {@code kafka-broker} module, for local runs and integration tests.
 */
public final class KafkaBrokerProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerProcess.class);

    /** System property naming the directory that holds the broker's jars. */
    public static final String LIB_DIR_PROPERTY = "hormesis.kafka.lib";

    /** Environment variable naming the directory that holds the broker's jars. */
    public static final String LIB_DIR_ENV = "HORMESIS_KAFKA_LIB";

    /** How long {@link #start(Path, Path)} and {@link #restart()} wait for the broker. */
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);

    private static final int NODE_ID = 1;
    private static final String HOST = "127.0.0.1";
    private static final String BROKER_MAIN = "kafka.Kafka";
    private static final String STORAGE_TOOL_MAIN = "kafka.tools.StorageTool";
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration GRACEFUL_STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final int LOG_TAIL_LINES = 40;
    private static final TimeUnit MS = TimeUnit.MILLISECONDS;

    private final Path libDir;
    private final Path workDir;
    private final int brokerPort;
    private final int controllerPort;
    private final Duration startupTimeout;
    private final Thread shutdownHook;

    // Read by the shutdown hook without the lock: the hook must not block on a busy caller.
    private volatile Process process;
    private boolean closed;

    private KafkaBrokerProcess(
            Path libDir, Path workDir, int brokerPort, int controllerPort, Duration timeout) {
        this.libDir = libDir;
        this.workDir = workDir;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.startupTimeout = timeout;
        this.shutdownHook =
                new Thread(this::destroyOnJvmExit, "kafka-broker-shutdown-" + brokerPort);
    }

    /**
     * Formats {@code workDir} (kept as is if it already holds a formatted broker) and starts the
     * broker on two free loopback ports; returns once it answers to clients.
     */
    public static KafkaBrokerProcess start(Path libDir, Path workDir) throws IOException {
        return start(libDir, workDir, DEFAULT_STARTUP_TIMEOUT);
    }

    /** As {@link #start(Path, Path)}, waiting at most {@code timeout} for the broker. */
    public static KafkaBrokerProcess start(Path libDir, Path workDir, Duration timeout)
            throws IOException {
        Path lib = libDir.toAbsolutePath().normalize();
        if (!holdsBrokerJar(lib)) {
            throw new IllegalArgumentException(
                    "No kafka_2.13-*.jar in " + lib + ": " + buildHint());
        }
        Path dir = workDir.toAbsolutePath().normalize();
        Files.createDirectories(dir.resolve("tmp"));
        ensureNotInUse(dir.resolve("kafka-logs"));
        int[] ports = freePorts(2);
        KafkaBrokerProcess broker = new KafkaBrokerProcess(lib, dir, ports[0], ports[1], timeout);
        broker.writeConfig();
        broker.format();
        Runtime.getRuntime().addShutdownHook(broker.shutdownHook);
        try {
            broker.launchAndAwaitReady();
        } catch (IOException | RuntimeException e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    /** {@code host:port} of the PLAINTEXT listener. */
    public String bootstrapServers() {
        return HOST + ":" + brokerPort;
    }

    /** The process id of the current broker JVM (changes on {@link #restart()}). */
    public long pid() {
        Process p = process;
        if (p == null) {
            throw new IllegalStateException("The broker has not been started");
        }
        return p.pid();
    }

    /** The directory holding the configuration, the data and {@code broker.log}. */
    public Path workDir() {
        return workDir;
    }

    /**
     * Creates the topics (replication factor 1) that do not exist yet and waits until every
     * partition has a leader, so that clients can use them right away.
     */
    public void createTopics(Map<String, Integer> partitionsByTopic) throws IOException {
        if (partitionsByTopic.isEmpty()) {
            return;
        }
        List<NewTopic> topics =
                partitionsByTopic.entrySet().stream()
                        .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1))
                        .collect(Collectors.toList());
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        try (Admin admin = Admin.create(adminConfig(ADMIN_TIMEOUT))) {
            CreateTopicsResult result = admin.createTopics(topics);
            for (KafkaFuture<Void> created : result.values().values()) {
                try {
                    created.get(remainingMillis(deadline), MS);
                } catch (ExecutionException e) {
                    // Creating a topic twice is fine: callers (demo reruns) rely on it.
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            awaitLeaders(admin, partitionsByTopic.keySet(), deadline);
            LOG.info("Topics ready on {}: {}", bootstrapServers(), partitionsByTopic);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IOException(
                    "Could not create topics "
                            + partitionsByTopic.keySet()
                            + " on "
                            + bootstrapServers()
                            + ": "
                            + cause,
                    cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while creating topics");
        }
    }

    /** Kills the broker with SIGKILL, as a crash would, and waits until it is gone. */
    public synchronized void kill() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        LOG.info("Killing Kafka broker (pid {})", p.pid());
        p.destroyForcibly();
        if (!waitFor(p, KILL_TIMEOUT)) {
            throw new IllegalStateException(
                    "Kafka broker pid " + p.pid() + " survived SIGKILL for " + KILL_TIMEOUT);
        }
    }

    /**
     * Starts the broker again on the same ports and data (no reformatting) and waits until it is
     * ready; a running broker is stopped gracefully first.
     */
    public synchronized void restart() throws IOException {
        if (closed) {
            throw new IllegalStateException("The broker is closed");
        }
        stopGracefully();
        launchAndAwaitReady();
    }

    /** Stops the broker gracefully (SIGTERM, then SIGKILL after 30 s); idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopGracefully();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook then does the same work.
        }
    }

    /**
     * Finds the broker's jars: system property {@value #LIB_DIR_PROPERTY}, else environment
     * variable {@value #LIB_DIR_ENV}, else {@code kafka-broker/target/lib} below the working
     * directory or its parent.
     */
    public static Path resolveLibDir() {
        String configured = System.getProperty(LIB_DIR_PROPERTY);
        String source = "system property " + LIB_DIR_PROPERTY;
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(LIB_DIR_ENV);
            source = "environment variable " + LIB_DIR_ENV;
        }
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured).toAbsolutePath().normalize();
            if (holdsBrokerJar(dir)) {
                return dir;
            }
            throw new IllegalStateException(
                    source
                            + " points at "
                            + dir
                            + ", which holds no kafka_2.13-*.jar: "
                            + buildHint());
        }
        Path cwd = Path.of("").toAbsolutePath();
        List<Path> candidates = new ArrayList<>();
        candidates.add(cwd.resolve("kafka-broker/target/lib"));
        if (cwd.getParent() != null) {
            candidates.add(cwd.getParent().resolve("kafka-broker/target/lib"));
        }
        for (Path candidate : candidates) {
            if (holdsBrokerJar(candidate)) {
                return candidate.normalize();
            }
        }
        throw new IllegalStateException(
                "No Kafka broker classpath found (looked in " + candidates + "): " + buildHint());
    }

    private static String buildHint() {
        return "run `mvn -pl kafka-broker package` in the project root first, or set -D"
                + LIB_DIR_PROPERTY
                + " or "
                + LIB_DIR_ENV
                + " to a directory holding kafka_2.13-*.jar and its dependencies";
    }

    private static boolean holdsBrokerJar(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "kafka_2.13-*.jar")) {
            return jars.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    /** Binds all sockets before releasing any, so that the ports are distinct. */
    private static int[] freePorts(int count) throws IOException {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getByName(HOST));
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }

    private Path serverProperties() {
        return workDir.resolve("server.properties");
    }

    private Path log4jConfig() {
        return workDir.resolve("log4j2.properties");
    }

    private Path brokerLog() {
        return workDir.resolve("broker.log");
    }

    private Path logDir() {
        return workDir.resolve("kafka-logs");
    }

    /**
     * Fails if a live broker holds the data directory's lock: writing its configuration over the
     * running one's would break both.
     */
    private static void ensureNotInUse(Path logDir) throws IOException {
        Path lockFile = logDir.resolve(".lock");
        if (!Files.exists(lockFile)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new IOException(logDir + " is in use by another running Kafka broker");
            }
            lock.release();
        }
    }

    private void writeConfig() throws IOException {
        String logDir = logDir().toString().replace('\\', '/');
        String listener = "PLAINTEXT://" + HOST + ":" + brokerPort;
        List<String> server =
                List.of(
                        "# Written by KafkaBrokerProcess: one node, broker and controller.",
                        "process.roles=broker,controller",
                        "node.id=" + NODE_ID,
                        "controller.quorum.voters=" + NODE_ID + "@" + HOST + ":" + controllerPort,
                        "listeners=" + listener + ",CONTROLLER://" + HOST + ":" + controllerPort,
                        "advertised.listeners=" + listener,
                        "controller.listener.names=CONTROLLER",
                        "inter.broker.listener.name=PLAINTEXT",
                        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                        "log.dirs=" + logDir,
                        "num.partitions=1",
                        "auto.create.topics.enable=false",
                        // One node: every internal topic has one replica, or nothing works.
                        "offsets.topic.replication.factor=1",
                        "transaction.state.log.replication.factor=1",
                        "transaction.state.log.min.isr=1",
                        "share.coordinator.state.topic.replication.factor=1",
                        "share.coordinator.state.topic.min.isr=1",
                        // The defaults (50 partitions each) only slow down the first group
                        // join and the first transaction on a local broker.
                        "offsets.topic.num.partitions=1",
                        "transaction.state.log.num.partitions=1",
                        // Tests and the demo start consumer groups right away.
                        "group.initial.rebalance.delay.ms=0",
                        // Records carry their event time as timestamp, and the demo, the
                        // simulator and the tests replay event times far in the past: time-based
                        // retention (7 days by default) would delete them about 30 s after the
                        // broker starts, at its first retention check. Keep everything.
                        "log.retention.ms=-1",
                        // After a kill -9 the restarted broker cannot register until the
                        // controller has expired the dead incarnation's session (default 9 s).
                        "broker.heartbeat.interval.ms=500",
                        "broker.session.timeout.ms=3000");
        Files.write(serverProperties(), server, StandardCharsets.UTF_8);
        List<String> log4j =
                List.of(
                        "# Written by KafkaBrokerProcess: the broker logs to stdout, which"
                                + " goes to broker.log.",
                        "rootLogger.level = INFO",
                        "rootLogger.appenderRef.stdout.ref = stdout",
                        "appender.stdout.type = Console",
                        "appender.stdout.name = stdout",
                        "appender.stdout.layout.type = PatternLayout",
                        "appender.stdout.layout.pattern = [%d] %p %m (%c)%n",
                        "logger.request.name = kafka.request.logger",
                        "logger.request.level = WARN",
                        "logger.statechange.name = state.change.logger",
                        "logger.statechange.level = WARN");
        Files.write(log4jConfig(), log4j, StandardCharsets.UTF_8);
    }

    /** Formats the log directory unless it already is: a reused work dir keeps its data. */
    private void format() throws IOException {
        if (Files.exists(logDir().resolve("meta.properties"))) {
            // StorageTool would refuse a new cluster id here, even with --ignore-formatted.
            LOG.info("Reusing the formatted broker data in {}", logDir());
            return;
        }
        // The same random id StorageTool's random-uuid prints, without a JVM start for it.
        String clusterId = Uuid.randomUuid().toString();
        Path toolLog = workDir.resolve("storage-tool.log");
        List<String> command = javaCommand(STORAGE_TOOL_MAIN);
        command.addAll(List.of("format", "-t", clusterId, "-c", serverProperties().toString()));
        Process tool =
                new ProcessBuilder(command)
                        .directory(workDir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.to(toolLog.toFile()))
                        .start();
        boolean exited;
        try {
            exited = tool.waitFor(TOOL_TIMEOUT.toMillis(), MS);
        } catch (InterruptedException e) {
            tool.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while formatting " + workDir);
        }
        if (!exited) {
            tool.destroyForcibly();
            waitFor(tool, KILL_TIMEOUT);
        }
        if (!exited || tool.exitValue() != 0) {
            throw new IOException(
                    "Kafka StorageTool format "
                            + (exited
                                    ? "failed with exit code " + tool.exitValue()
                                    : "timed out after " + TOOL_TIMEOUT)
                            + "; "
                            + toolLog
                            + ":\n"
                            + tail(toolLog));
        }
        LOG.info("Formatted {} for cluster id {}", logDir(), clusterId);
    }

    private List<String> javaCommand(String mainClass) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.add("-Xmx512m");
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.add("-Djava.awt.headless=true");
        command.add("-Djava.io.tmpdir=" + workDir.resolve("tmp"));
        command.add("-Dlog4j2.configurationFile=" + log4jConfig().toUri());
        command.add("-cp");
        command.add(libDir + File.separator + "*");
        command.add(mainClass);
        return command;
    }

    /** The java binary of this JVM, so the broker runs on the same runtime as the caller. */
    private static String javaBinary() {
        String exe = File.separatorChar == '\\' ? "java.exe" : "java";
        Path fromHome = Path.of(System.getProperty("java.home"), "bin", exe);
        if (Files.isExecutable(fromHome)) {
            return fromHome.toString();
        }
        Optional<String> current = ProcessHandle.current().info().command();
        return current.orElse("java");
    }

    private void launchAndAwaitReady() throws IOException {
        long startNanos = System.nanoTime();
        List<String> command = javaCommand(BROKER_MAIN);
        command.add(serverProperties().toString());
        Process p =
                new ProcessBuilder(command)
                        .directory(workDir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(brokerLog().toFile()))
                        .start();
        process = p;
        LOG.info(
                "Started Kafka broker pid {} on {} (controller port {}), logs in {}",
                p.pid(),
                bootstrapServers(),
                controllerPort,
                brokerLog());
        try {
            awaitReady(p, startNanos + startupTimeout.toNanos());
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            waitFor(p, KILL_TIMEOUT);
            throw e;
        }
        LOG.info(
                "Kafka broker ready on {} after {} ms",
                bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    }

    /**
     * Polls until the broker lists itself in DescribeCluster. The Admin client is created only once
     * the port accepts connections: it connects at once and logs a warning per refusal.
     */
    private void awaitReady(Process p, long deadline) throws IOException {
        Admin admin = null;
        try {
            while (true) {
                if (!p.isAlive()) {
                    throw failure("exited with code " + p.exitValue() + " before it was ready");
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw failure("was not ready within " + startupTimeout);
                }
                if (admin == null && accepts(brokerPort)) {
                    admin = Admin.create(adminConfig(Duration.ofSeconds(2)));
                }
                if (admin != null && listsItself(admin, deadline)) {
                    return;
                }
                Thread.sleep(POLL_INTERVAL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while waiting for the Kafka broker");
        } finally {
            if (admin != null) {
                admin.close(Duration.ZERO);
            }
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean listsItself(Admin admin, long deadline) throws InterruptedException {
        long waitMillis = Math.max(1, Math.min(2_000, remainingMillis(deadline)));
        try {
            Collection<Node> nodes =
                    admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) waitMillis))
                            .nodes()
                            .get(waitMillis + 500, MS);
            return nodes.stream().anyMatch(n -> n.id() == NODE_ID);
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("Kafka broker not ready yet: {}", e.toString());
            return false;
        }
    }

    private static void awaitLeaders(Admin admin, Collection<String> topics, long deadline)
            throws InterruptedException, TimeoutException {
        while (true) {
            int waitMillis = (int) Math.max(1, Math.min(2_000, remainingMillis(deadline)));
            try {
                Map<String, TopicDescription> descriptions =
                        admin.describeTopics(
                                        topics, new DescribeTopicsOptions().timeoutMs(waitMillis))
                                .allTopicNames()
                                .get(waitMillis + 500L, MS);
                boolean led =
                        descriptions.values().stream()
                                .flatMap(d -> d.partitions().stream())
                                .map(TopicPartitionInfo::leader)
                                .allMatch(leader -> leader != null && !leader.isEmpty());
                if (led) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                // Metadata can lag creation by a moment (UnknownTopicOrPartition): poll again.
                LOG.debug("Topics {} not described yet: {}", topics, e.toString());
            }
            if (remainingMillis(deadline) <= 1) {
                throw new TimeoutException("No leader for every partition of " + topics);
            }
            Thread.sleep(POLL_INTERVAL.toMillis());
        }
    }

    private Properties adminConfig(Duration apiTimeout) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "hormesis-broker-admin-" + brokerPort);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, apiTimeout.toMillis() + "");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        return props;
    }

    private IOException failure(String what) {
        return new IOException(
                "Kafka broker on "
                        + bootstrapServers()
                        + " "
                        + what
                        + "; last lines of "
                        + brokerLog()
                        + ":\n"
                        + tail(brokerLog()));
    }

    /** Sends SIGTERM (a controlled shutdown), then SIGKILL if the broker hangs. */
    private void stopGracefully() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        LOG.info("Stopping Kafka broker (pid {})", p.pid());
        p.destroy();
        if (!waitFor(p, GRACEFUL_STOP_TIMEOUT)) {
            LOG.warn(
                    "Kafka broker pid {} still running {} after SIGTERM; killing it",
                    p.pid(),
                    GRACEFUL_STOP_TIMEOUT);
            p.destroyForcibly();
            waitFor(p, KILL_TIMEOUT);
        }
    }

    /** Shutdown hook: an orphaned broker would hold its ports and data dir after we exit. */
    private void destroyOnJvmExit() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroy();
            if (!waitFor(p, Duration.ofSeconds(5))) {
                p.destroyForcibly();
            }
        }
    }

    private static boolean waitFor(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    private static long remainingMillis(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    /** The last lines of a log file, for error messages; reads at most its last 64 KiB. */
    private static String tail(Path file) {
        if (!Files.isRegularFile(file)) {
            return "(no " + file.getFileName() + ")";
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            int size = (int) Math.min(length, 64 * 1024);
            byte[] bytes = new byte[size];
            in.seek(length - size);
            in.readFully(bytes);
            List<String> lines =
                    Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\\R"));
            return String.join(
                    "\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }
}
