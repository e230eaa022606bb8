package io.hormesis.jobs.faults;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Row;

import io.hormesis.jobs.HormesisJobs;
import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.control.ControlOracle;
import io.hormesis.jobs.control.ControlSettings;
import io.hormesis.jobs.kafka.ByteProducers;
import io.hormesis.jobs.lineage.LineageCatalog;
import io.hormesis.jobs.lineage.LineageProgress;
import io.hormesis.jobs.lineage.LineageTables;
import io.hormesis.jobs.lineage.LineageVerifier;
import io.hormesis.jobs.sql.LineageSql;
import io.hormesis.jobs.testutils.FlinkRest;
import io.hormesis.jobs.testutils.KnownFleet;
import io.hormesis.jobs.testutils.StandaloneCluster;
import io.hormesis.jobs.testutils.TopicReader;
import io.hormesis.jobs.testutils.TwinFleet;
import io.hormesis.jobs.testutils.TwinFleet.FleetRecord;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.BaselineSnapshot;
import io.hormesis.schema.Command;
import io.hormesis.schema.CommandOutcome;
import io.hormesis.schema.DataBatch;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.Decision;
import io.hormesis.schema.ModelEvent;
import io.hormesis.schema.PolicyUpdate;
import io.hormesis.schema.Signal;
import io.hormesis.stats.control.ControlOutput;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shaded job jar on a real standalone Flink cluster (deploy/cluster/cluster.sh), submitted
 * through the REST API as three jobs (WATCH, CONTROL, LINEAGE), while a known finite stream from
 * the fleet twin ({@link TwinFleet}) is produced: the TaskManager is killed with SIGKILL three
 * times and replaced, the Kafka broker is restarted once, and the Iceberg warehouse disappears for
 * a while. Afterwards every command the plain-Java oracle ({@link ControlOracle}) derives from the
 * same records is on Kafka exactly once (read_committed) and in Iceberg exactly once, every lineage
 * row is there once, no hash chain has a gap, and every malformed record is a dead letter. Run with
 * {@code mvn -Pfaults verify}.
 */
class ClusterFaultsITCase {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterFaultsITCase.class);

    private static final Instant START = TwinFleet.FAULT_START;
    private static final long END_MILLIS = START.toEpochMilli() + TwinFleet.FAULT_SECONDS * 1000L;

    /** Simulated seconds per wall second: the 4 minutes are produced in about 2. */
    private static final double SPEEDUP = 2.0;

    /**
     * Jobs that decode inference events and send their own dead letters: WATCH, and CONTROL, which
     * runs as a job of its own here and so reports the bad records too.
     */
    private static final int DEAD_LETTERS_PER_MALFORMED = 2;

    private static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(4);
    private static final Duration QUIESCE_TIMEOUT = Duration.ofMinutes(5);
    private static final String ENTRY = "io.hormesis.jobs.cli.HormesisCli";

    /** Local values for the cluster: faster checkpoints and failure detection than production. */
    private static final String CONF_OVERRIDES =
            String.join(
                    "\n",
                    "execution.checkpointing.interval: 2 s",
                    "execution.checkpointing.min-pause: 1 s",
                    "heartbeat.interval: 1 s",
                    "heartbeat.timeout: 8 s",
                    "restart-strategy.exponential-delay.max-backoff: 8 s",
                    // A loaded CI machine: the RPC system's 10 s start-up default timed out.
                    "pekko.startup-timeout: 60 s",
                    "pekko.ask.timeout: 30 s",
                    "jobmanager.memory.process.size: 1280m",
                    "taskmanager.memory.process.size: 1728m");

    private final List<String> figures = new ArrayList<>();

    @Test
    void everyCommandAndLineageRowExactlyOnceThroughKillsBrokerRestartAndWarehouseOutage()
            throws Exception {
        long testStart = System.nanoTime();
        Path root = StandaloneCluster.projectRoot();
        Path jar = root.resolve("jobs/target/hormesis.jar");
        assertThat(jar)
                .as("the shaded jar (built by `package` before failsafe runs)")
                .isRegularFile();
        Path dir =
                Files.createTempDirectory(
                        Path.of(System.getProperty("java.io.tmpdir")), "cluster-faults");
        Path warehouse = dir.resolve("warehouse");

        Configuration fleetConfig = HormesisOptions.fromSettings(TwinFleet.faultSettings());
        TwinFleet fleet = TwinFleet.faultFleet(fleetConfig);
        List<FleetRecord> records = fleet.records();
        ControlOracle.Result oracle =
                ControlOracle.run(
                        ControlSettings.from(fleetConfig),
                        fleet.controlRecords(fleetConfig),
                        TwinFleet.FAULT_OUT_OF_ORDERNESS.toMillis());
        // The stream is what it is meant to be: commands of several kinds, spread over it.
        assertThat(oracle.lateEvents()).isZero();
        assertThat(oracle.commands())
                .extracting(ControlOutput.Command::kind)
                .contains(ControlOutput.CommandKind.SCALE, ControlOutput.CommandKind.ROLLBACK);

        try (StandaloneCluster cluster = StandaloneCluster.start(dir, CONF_OVERRIDES)) {
            FlinkRest rest = new FlinkRest(cluster.restUrl());
            Map<String, String> settings = new TreeMap<>(TwinFleet.faultSettings());
            settings.put(HormesisOptions.BOOTSTRAP_SERVERS.key(), cluster.bootstrapServers());
            settings.put(HormesisOptions.WAREHOUSE.key(), warehouse.toString());
            Configuration config = HormesisOptions.fromSettings(settings);
            long uploadStart = System.nanoTime();
            String jarId = rest.uploadJar(jar);
            figures.add(String.format(Locale.ROOT, "jar upload %.1f s", seconds(uploadStart)));
            List<String> common =
                    new ArrayList<>(
                            List.of(
                                    "--bootstrap-servers",
                                    cluster.bootstrapServers(),
                                    "--warehouse",
                                    warehouse.toString()));
            for (Map.Entry<String, String> s : TwinFleet.faultSettings().entrySet()) {
                common.add("--set");
                common.add(s.getKey() + "=" + s.getValue());
            }
            Map<String, String> jobs = new LinkedHashMap<>();
            for (String job : List.of("watch", "control", "lineage")) {
                List<String> args = new ArrayList<>(List.of(job));
                args.addAll(common);
                jobs.put(job, rest.runJar(jarId, ENTRY, args));
            }
            awaitRecovered(rest, jobs, -1, "the first start");

            // The outage starts half-way and lasts until the stream has made CONTROL's watermark
            // pass the tick of a command that could not have been issued before it began; the
            // last kill comes after that.
            int total = records.size();
            int outageAt = total / 2;
            long b = TwinFleet.FAULT_OUT_OF_ORDERNESS.toMillis();
            long watermarkAtOutage = records.get(outageAt).eventTime() - b - 1;
            long commandTick =
                    oracle.commands().stream()
                            .mapToLong(ControlOutput.Command::issuedAt)
                            .filter(t -> t > watermarkAtOutage)
                            .min()
                            .orElseThrow(
                                    () ->
                                            new IllegalStateException(
                                                    "the stream has no command after half-way"));
            int outageUntil = 0;
            while (records.get(outageUntil).eventTime() <= commandTick + b) {
                outageUntil++;
            }
            int lastKill = Math.max(total * 4 / 5, outageUntil + total / 20);
            assertThat(lastKill).as("the last kill within the stream").isLessThan(total - 10);
            int[] points = {total / 10, total / 4, total * 2 / 5, outageAt, lastKill};
            GatedProducer producer = new GatedProducer(records, points);
            CompletableFuture<Void> producing =
                    CompletableFuture.runAsync(() -> producer.run(cluster.bootstrapServers()));

            producer.awaitGate(0, producing);
            killAndReplaceTaskManager(cluster, rest, jobs, 1, producer, 0);

            producer.awaitGate(1, producing);
            long restart = System.currentTimeMillis();
            cluster.restartKafka();
            awaitRecovered(rest, jobs, restart, "the broker restart");
            producer.release(1);
            figures.add(
                    String.format(
                            Locale.ROOT,
                            "broker restart at record %d: every job running with a checkpoint"
                                    + " after it %.1f s after the restart began",
                            points[1],
                            (System.currentTimeMillis() - restart) / 1000.0));

            producer.awaitGate(2, producing);
            killAndReplaceTaskManager(cluster, rest, jobs, 2, producer, 2);

            producer.awaitGate(3, producing);
            warehouseOutage(cluster, rest, jobs, warehouse, producer, producing, outageUntil + 1);

            producer.awaitGate(4, producing);
            killAndReplaceTaskManager(cluster, rest, jobs, 3, producer, 4);

            producing.get(RECOVERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            figures.add(
                    String.format(
                            Locale.ROOT,
                            "events in: %d records on %d deployments (%d malformed); the"
                                    + " oracle expects %d commands, %d decisions, %d policy"
                                    + " updates",
                            total,
                            fleet.deployments().size(),
                            fleet.malformed(),
                            oracle.commands().size(),
                            oracle.decisions().size(),
                            oracle.policyUpdates().size()));

            awaitQuiescent(config, cluster, oracle.commands().size());
            verify(config, cluster, rest, jobs, fleet, oracle);
        } finally {
            figures.add(String.format(Locale.ROOT, "test wall time %.1f s", seconds(testStart)));
            LOG.info("Fault-test figures:\n  {}", String.join("\n  ", figures));
            Files.write(dir.resolve("figures.txt"), figures, StandardCharsets.UTF_8);
        }
    }

    private void killAndReplaceTaskManager(
            StandaloneCluster cluster,
            FlinkRest rest,
            Map<String, String> jobs,
            int n,
            GatedProducer producer,
            int gate)
            throws Exception {
        long killed = System.currentTimeMillis();
        cluster.killTaskManager();
        // The stream goes on while the jobs are down: they restart on a backlog, which each
        // source reads at its own pace, and CONTROL must still decide exactly as the oracle
        // (each Kafka partition has its own watermark).
        producer.release(gate);
        cluster.startTaskManager();
        long registered = System.currentTimeMillis();
        awaitRecovered(rest, jobs, killed, "kill " + n);
        long recovered = System.currentTimeMillis();
        figures.add(
                String.format(
                        Locale.ROOT,
                        "kill -9 TaskManager #%d at record %d: new TaskManager registered after"
                                + " %.1f s; every job running with a checkpoint after the kill"
                                + " %.1f s after the kill",
                        n,
                        producer.gate(gate),
                        (registered - killed) / 1000.0,
                        (recovered - killed) / 1000.0));
    }

    /**
     * Moves the warehouse away and puts a plain file in its place (the tests run as root on CI, so
     * chmod would not stop anyone): until it is back, no Iceberg file can be written or read. Holds
     * the outage until LINEAGE has failed on it and the producer passed {@code until}.
     */
    private void warehouseOutage(
            StandaloneCluster cluster,
            FlinkRest rest,
            Map<String, String> jobs,
            Path warehouse,
            GatedProducer producer,
            CompletableFuture<Void> producing,
            int until)
            throws Exception {
        String lineage = jobs.get("lineage");
        long restartsBefore = rest.numRestarts(lineage);
        int commandsBefore = commandsCommitted(cluster);
        Path away = warehouse.resolveSibling("warehouse.unavailable");
        long start = System.currentTimeMillis();
        Files.move(warehouse, away);
        Files.writeString(warehouse, "the warehouse is unavailable\n");
        producer.release(3);
        try {
            long deadline = System.nanoTime() + RECOVERY_TIMEOUT.toNanos();
            while (producer.produced() < until
                    || rest.numRestarts(lineage) <= restartsBefore
                    || commandsCommitted(cluster) <= commandsBefore) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException(
                            "during the warehouse outage: produced "
                                    + producer.produced()
                                    + " of "
                                    + until
                                    + ", LINEAGE restarts "
                                    + (rest.numRestarts(lineage) - restartsBefore)
                                    + ", new commands "
                                    + (commandsCommitted(cluster) - commandsBefore));
                }
                if (producing.isDone()) {
                    producing.get();
                }
                Thread.sleep(500);
            }
        } finally {
            Files.delete(warehouse);
            Files.move(away, warehouse);
        }
        long restored = System.currentTimeMillis();
        int commandsDuring = commandsCommitted(cluster) - commandsBefore;
        awaitRecovered(rest, jobs, restored, "the warehouse outage");
        String cause = rest.lastRootCause(lineage);
        figures.add(
                String.format(
                        Locale.ROOT,
                        "warehouse unavailable for %.1f s (records %d to %d): LINEAGE restarted %d"
                                + " times (restart delay capped at 8 s), its last failure: %s;"
                                + " CONTROL committed %d commands meanwhile; all recovered %.1f s"
                                + " after it returned",
                        (restored - start) / 1000.0,
                        producer.gate(3),
                        until,
                        rest.numRestarts(lineage) - restartsBefore,
                        cause,
                        commandsDuring,
                        (System.currentTimeMillis() - restored) / 1000.0));
        // The jobs are decoupled: CONTROL kept acting while LINEAGE could not write.
        assertThat(commandsDuring).as("commands committed during the outage").isPositive();
    }

    private static int commandsCommitted(StandaloneCluster cluster) throws TimeoutException {
        return TopicReader.readAll(
                        cluster.bootstrapServers(), "commands", true, Duration.ofSeconds(60))
                .size();
    }

    /**
     * Waits until every job runs with every task running and has completed a checkpoint triggered
     * after {@code afterMillis}.
     */
    private static void awaitRecovered(
            FlinkRest rest, Map<String, String> jobs, long afterMillis, String what)
            throws Exception {
        long deadline = System.nanoTime() + RECOVERY_TIMEOUT.toNanos();
        Map<String, String> lastState = new HashMap<>();
        while (true) {
            boolean all = true;
            for (Map.Entry<String, String> job : jobs.entrySet()) {
                boolean running = rest.fullyRunning(job.getValue());
                long checkpoint = rest.latestCompletedCheckpointTrigger(job.getValue());
                lastState.put(job.getKey(), rest.jobState(job.getValue()) + ", cp " + checkpoint);
                if (!running || checkpoint <= afterMillis) {
                    all = false;
                }
            }
            if (all) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException(
                        "jobs not recovered from "
                                + what
                                + " within "
                                + RECOVERY_TIMEOUT
                                + ": "
                                + lastState);
            }
            Thread.sleep(250);
        }
    }

    /**
     * Produces the records paced at {@link #SPEEDUP}, keyed by deployment, stopping at each gate (a
     * record index) until the test has injected its fault there, so every fault hits the stream at
     * the same point however slow the machine.
     */
    private static final class GatedProducer {
        private final List<FleetRecord> records;
        private final int[] gates;
        private final CountDownLatch[] reached;
        private final CountDownLatch[] released;
        private final AtomicInteger produced = new AtomicInteger();

        GatedProducer(List<FleetRecord> records, int[] gates) {
            this.records = records;
            this.gates = gates.clone();
            this.reached = new CountDownLatch[gates.length];
            this.released = new CountDownLatch[gates.length];
            for (int i = 0; i < gates.length; i++) {
                reached[i] = new CountDownLatch(1);
                released[i] = new CountDownLatch(1);
            }
        }

        int produced() {
            return produced.get();
        }

        int gate(int i) {
            return gates[i];
        }

        void awaitGate(int i, CompletableFuture<Void> producing) throws Exception {
            long deadline = System.nanoTime() + RECOVERY_TIMEOUT.toNanos();
            while (!reached[i].await(250, TimeUnit.MILLISECONDS)) {
                if (producing.isDone()) {
                    producing.get();
                    throw new IllegalStateException("the producer ended before gate " + i);
                }
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("producer at " + produced + ", gate " + gates[i]);
                }
            }
        }

        void release(int i) {
            released[i].countDown();
        }

        void run(String bootstrap) {
            long wallStart = System.nanoTime();
            long pausedNanos = 0;
            int next = 0;
            try (KafkaProducer<byte[], byte[]> producer = ByteProducers.create(bootstrap)) {
                for (int n = 0; n < records.size(); n++) {
                    if (next < gates.length && n == gates[next]) {
                        producer.flush();
                        long pause = System.nanoTime();
                        reached[next].countDown();
                        if (!released[next].await(10, TimeUnit.MINUTES)) {
                            throw new IllegalStateException("gate " + next + " never released");
                        }
                        pausedNanos += System.nanoTime() - pause;
                        next++;
                    }
                    FleetRecord r = records.get(n);
                    // The fence past the end goes out at once, not minutes later.
                    long paced = Math.min(r.eventTime(), END_MILLIS) - START.toEpochMilli();
                    long due = (long) (paced * 1e6 / SPEEDUP);
                    long wait = due - (System.nanoTime() - wallStart - pausedNanos);
                    if (wait > 0) {
                        // Pacing, not waiting on a condition: the stream has a rate.
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    producer.send(
                            new ProducerRecord<>(
                                    r.topic(),
                                    null,
                                    r.eventTime(),
                                    r.key().getBytes(StandardCharsets.UTF_8),
                                    r.value()));
                    produced.incrementAndGet();
                }
                producer.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Waits until WATCH and CONTROL have committed the whole input, CONTROL has committed at least
     * the expected commands, every lineage table holds as many rows as its topic has committed
     * records, and nothing changed for a few checkpoints.
     */
    private void awaitQuiescent(Configuration config, StandaloneCluster cluster, int commands)
            throws Exception {
        long start = System.nanoTime();
        long deadline = start + QUIESCE_TIMEOUT.toNanos();
        String last = "nothing yet";
        String stable = null;
        long stableSince = 0;
        Map<String, LineageTables> tables = HormesisJobs.lineageTopics(config);
        try (LineageProgress progress = new LineageProgress(config)) {
            while (System.nanoTime() < deadline) {
                long watchLag = progress.lag("hormesis-watch", "inference-events");
                long controlLag = progress.lag("hormesis-control", "inference-events");
                int commandsOnKafka = commandsCommitted(cluster);
                StringBuilder rows = new StringBuilder();
                boolean lineageDone = true;
                for (Map.Entry<String, LineageTables> t : tables.entrySet()) {
                    int onKafka =
                            TopicReader.readAll(
                                            cluster.bootstrapServers(),
                                            t.getKey(),
                                            true,
                                            Duration.ofSeconds(60))
                                    .size();
                    long inIceberg = progress.committedRows(t.getValue());
                    rows.append(
                            String.format(
                                    " %s %d/%d", t.getValue().tableName(), inIceberg, onKafka));
                    lineageDone &= inIceberg >= onKafka;
                }
                last =
                        String.format(
                                "lag WATCH %d CONTROL %d, commands %d, rows/records:%s",
                                watchLag, controlLag, commandsOnKafka, rows);
                boolean settled = watchLag == 0 && controlLag == 0 && lineageDone;
                // Short of the expected commands, settled for a minute: verify tells what is off.
                Duration hold = Duration.ofSeconds(commandsOnKafka >= commands ? 8 : 60);
                if (!settled) {
                    stable = null;
                } else if (!last.equals(stable)) {
                    stable = last;
                    stableSince = System.nanoTime();
                } else if (System.nanoTime() - stableSince > hold.toNanos()) {
                    figures.add(
                            String.format(
                                    Locale.ROOT,
                                    "caught up %.1f s after the last record: %s",
                                    seconds(start),
                                    last));
                    return;
                }
                Thread.sleep(1000);
            }
        }
        throw new TimeoutException("not quiescent within " + QUIESCE_TIMEOUT + ": " + last);
    }

    private void verify(
            Configuration config,
            StandaloneCluster cluster,
            FlinkRest rest,
            Map<String, String> jobs,
            TwinFleet fleet,
            ControlOracle.Result oracle)
            throws Exception {
        String bootstrap = cluster.bootstrapServers();
        List<Command> commands = decode(read(bootstrap, "commands", true), Command.class);
        List<Decision> decisions = decode(read(bootstrap, "decisions", true), Decision.class);
        List<Signal> signals = decode(read(bootstrap, "signals", true), Signal.class);
        List<DeadLetter> deadLetters =
                decode(read(bootstrap, "dead-letters", true), DeadLetter.class);
        int commandsUncommitted = read(bootstrap, "commands", false).size();

        // Commands: exactly the oracle's, each once, with the same kind, time and action.
        Map<String, Long> commandCounts = count(commands, ControlOracle::describe);
        Set<String> expectedCommands =
                oracle.commands().stream()
                        .map(ControlOracle::describe)
                        .collect(Collectors.toCollection(TreeSet::new));
        Map<String, Long> decisionCounts = count(decisions, Decision::getDecisionId);
        Set<String> expectedDecisions =
                oracle.decisions().stream()
                        .map(ControlOutput.Decision::decisionId)
                        .collect(Collectors.toCollection(TreeSet::new));
        figures.add(
                String.format(
                        Locale.ROOT,
                        "commands on Kafka: %d read_committed (%d read_uncommitted, i.e. %d in"
                                + " aborted transactions), expected %d, duplicates %d, losses %d,"
                                + " unexpected %d",
                        commands.size(),
                        commandsUncommitted,
                        commandsUncommitted - commands.size(),
                        expectedCommands.size(),
                        duplicates(commandCounts),
                        missing(expectedCommands, commandCounts.keySet()),
                        missing(commandCounts.keySet(), expectedCommands)));
        figures.add(
                String.format(
                        Locale.ROOT,
                        "decisions on Kafka: %d, expected %d, duplicates %d, losses %d,"
                                + " unexpected %d",
                        decisions.size(),
                        expectedDecisions.size(),
                        duplicates(decisionCounts),
                        missing(expectedDecisions, decisionCounts.keySet()),
                        missing(decisionCounts.keySet(), expectedDecisions)));
        if (!commandCounts.keySet().equals(expectedCommands)) {
            figures.add(
                    "commands missing: "
                            + expectedCommands.stream()
                                    .filter(c -> !commandCounts.containsKey(c))
                                    .toList()
                            + "; unexpected: "
                            + commandCounts.keySet().stream()
                                    .filter(c -> !expectedCommands.contains(c))
                                    .toList());
        }
        Map<String, Long> signalCounts = count(signals, Signal::getSignalId);
        figures.add(
                String.format(
                        Locale.ROOT,
                        "signals on Kafka (WATCH's and CONTROL's escalations): %d, duplicates %d",
                        signals.size(),
                        duplicates(signalCounts)));

        // Lineage: each table holds every committed record of its topic once, by its id, and the
        // commands and decisions tables hold the oracle's.
        Map<String, Long> lineageRows = new TreeMap<>();
        Map<LineageTables, Map<String, Long>> rowIds = new TreeMap<>();
        try (LineageSql sql = new LineageSql(config)) {
            for (Map.Entry<String, LineageTables> t :
                    HormesisJobs.lineageTopics(config).entrySet()) {
                LineageTables table = t.getValue();
                List<String> onKafka = kafkaIds(bootstrap, t.getKey(), table);
                List<Row> rows =
                        sql.query("SELECT " + rowIdSql(table) + " FROM " + table.tableName());
                Map<String, Long> ids = count(rows, r -> String.valueOf(r.getField(0)));
                Map<String, Long> records = count(onKafka, id -> id);
                rowIds.put(table, ids);
                lineageRows.put(table.tableName(), (long) rows.size());
                long extra = 0;
                long lost = 0;
                for (String id : union(ids.keySet(), records.keySet())) {
                    long diff = ids.getOrDefault(id, 0L) - records.getOrDefault(id, 0L);
                    extra += Math.max(0, diff);
                    lost += Math.max(0, -diff);
                }
                figures.add(
                        String.format(
                                Locale.ROOT,
                                "Iceberg %s: %d rows for %d committed records (%d ids),"
                                        + " duplicates %d, losses %d",
                                table.tableName(),
                                rows.size(),
                                onKafka.size(),
                                records.size(),
                                extra,
                                lost));
                // Each committed record is one row: as many rows per id as records.
                assertThat(ids).as(table.tableName()).isEqualTo(records);
                if (table != LineageTables.DEAD_LETTERS) {
                    // Dead letters of one bad record come from WATCH and from CONTROL.
                    assertThat(records.values()).as(table + " on Kafka").allMatch(n -> n == 1);
                }
            }
        }

        Map<String, Long> deadLettersPerRecord =
                count(deadLetters, d -> d.getSourcePartition() + "@" + d.getSourceOffset());
        figures.add(
                String.format(
                        Locale.ROOT,
                        "dead letters: %d for %d malformed records (%d distinct source offsets;"
                                + " WATCH and CONTROL each report them), by reason %s",
                        deadLetters.size(),
                        fleet.malformed(),
                        deadLettersPerRecord.size(),
                        count(deadLetters, d -> d.getReasonCode().toString())));
        for (Map.Entry<String, String> job : jobs.entrySet()) {
            figures.add(job.getKey() + ": numRestarts " + rest.numRestarts(job.getValue()));
        }

        assertThat(commandCounts.keySet()).containsExactlyInAnyOrderElementsOf(expectedCommands);
        assertThat(commandCounts.values()).allMatch(n -> n == 1);
        assertThat(rowIds.get(LineageTables.COMMANDS).keySet())
                .containsExactlyInAnyOrderElementsOf(
                        oracle.commands().stream().map(ControlOutput.Command::commandId).toList());
        assertThat(decisionCounts.keySet()).containsExactlyInAnyOrderElementsOf(expectedDecisions);
        assertThat(decisionCounts.values()).allMatch(n -> n == 1);
        assertThat(rowIds.get(LineageTables.DECISIONS).keySet())
                .containsExactlyInAnyOrderElementsOf(expectedDecisions);
        assertThat(signalCounts.values()).allMatch(n -> n == 1);
        assertThat(deadLettersPerRecord).hasSize((int) fleet.malformed());
        assertThat(deadLettersPerRecord.values()).allMatch(n -> n == DEAD_LETTERS_PER_MALFORMED);
        assertThat(deadLetters)
                .extracting(d -> d.getReasonCode().toString())
                .containsOnlyElementsOf(KnownFleet.MALFORMED_REASONS.values());
        verifyHashChains(config, lineageRows);
    }

    /**
     * No hash chain has a gap, a duplicate, an altered row or a broken link after the faults: the
     * check of {@code ./hormesis verify-lineage} ({@link LineageVerifier}) over the warehouse, and
     * it saw every row the SQL read saw.
     */
    private void verifyHashChains(Configuration config, Map<String, Long> lineageRows)
            throws Exception {
        LineageVerifier.Report report = LineageVerifier.verify(LineageCatalog.loader(config));
        long rows = lineageRows.values().stream().mapToLong(Long::longValue).sum();
        figures.add(
                String.format(
                        Locale.ROOT,
                        "hash chains: %d chains over %d rows in %d tables, %d findings%s",
                        report.chains(),
                        report.rows(),
                        report.tables(),
                        report.findings().size(),
                        report.findings().isEmpty()
                                ? ""
                                : " (first: " + report.findings().get(0) + ")"));
        assertThat(report.findings()).isEmpty();
        assertThat(report.rows()).isEqualTo(rows);
        assertThat(report.chains()).isPositive();
    }

    /** The id a lineage table's rows are told apart by, as SQL. */
    private static String rowIdSql(LineageTables table) {
        return switch (table) {
            case SIGNALS -> "signal_id";
            case DECISIONS -> "decision_id";
            case COMMANDS -> "command_id";
            case COMMAND_OUTCOMES -> "CONCAT(command_id, '|', status)";
            case MODEL_VERSIONS -> "event_id";
            case DATA_BATCHES -> "batch_id";
            case BASELINES -> "snapshot_id";
            case POLICY_UPDATES -> "update_id";
            case DEAD_LETTERS ->
                    "CONCAT(source_topic, '/', CAST(source_partition AS STRING), '@',"
                            + " CAST(source_offset AS STRING))";
        };
    }

    /** The same ids of the records committed on the table's topic. */
    private static List<String> kafkaIds(String bootstrap, String topic, LineageTables table)
            throws Exception {
        List<ConsumerRecord<byte[], byte[]>> records = read(bootstrap, topic, true);
        List<String> ids = new ArrayList<>();
        for (SpecificRecordBase r : decode(records, table.recordClass())) {
            ids.add(
                    switch (table) {
                        case SIGNALS -> ((Signal) r).getSignalId().toString();
                        case DECISIONS -> ((Decision) r).getDecisionId().toString();
                        case COMMANDS -> ((Command) r).getCommandId().toString();
                        case COMMAND_OUTCOMES ->
                                ((CommandOutcome) r).getCommandId()
                                        + "|"
                                        + ((CommandOutcome) r).getStatus();
                        case MODEL_VERSIONS -> ((ModelEvent) r).getEventId().toString();
                        case DATA_BATCHES -> ((DataBatch) r).getBatchId().toString();
                        case BASELINES -> ((BaselineSnapshot) r).getSnapshotId().toString();
                        case POLICY_UPDATES -> ((PolicyUpdate) r).getUpdateId().toString();
                        case DEAD_LETTERS ->
                                ((DeadLetter) r).getSourceTopic()
                                        + "/"
                                        + ((DeadLetter) r).getSourcePartition()
                                        + "@"
                                        + ((DeadLetter) r).getSourceOffset();
                    });
        }
        return ids;
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(
            String bootstrap, String topic, boolean committed) throws TimeoutException {
        return TopicReader.readAll(bootstrap, topic, committed, Duration.ofSeconds(60));
    }

    private static <T extends SpecificRecordBase> List<T> decode(
            List<ConsumerRecord<byte[], byte[]>> records, Class<T> type) throws Exception {
        AvroCodec<T> codec = AvroCodec.of(type);
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            out.add(codec.decode(r.value()));
        }
        return out;
    }

    private static <T> Map<String, Long> count(List<T> items, Function<T, String> key) {
        return items.stream().collect(Collectors.groupingBy(key, Collectors.counting()));
    }

    private static long duplicates(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(n -> n - 1).sum();
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    private static long missing(Set<String> expected, Set<String> seen) {
        return expected.stream().filter(e -> !seen.contains(e)).count();
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }
}
