package io.hormesis.jobs.cli;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import io.hormesis.jobs.FlinkEnvironments;
import io.hormesis.jobs.HormesisJobs;
import io.hormesis.jobs.bench.LoopBenchmark;
import io.hormesis.jobs.bench.WatchBenchmark;
import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.demo.Demo;
import io.hormesis.jobs.detect.DetectJob;
import io.hormesis.jobs.kafka.ByteProducers;
import io.hormesis.jobs.kafka.KafkaBrokerProcess;
import io.hormesis.jobs.lineage.LineageCatalog;
import io.hormesis.jobs.lineage.LineageTables;
import io.hormesis.jobs.lineage.LineageVerifier;
import io.hormesis.jobs.sim.FleetSimulator;
import io.hormesis.jobs.sim.twin.ArrivalTrace;
import io.hormesis.jobs.sim.twin.TwinScenario;
import io.hormesis.jobs.simulate.Simulate;
import io.hormesis.jobs.sql.LineageQueries;
import io.hormesis.jobs.sql.LineageSql;
import io.hormesis.jobs.sql.SqlSketches;
import org.apache.kafka.clients.producer.KafkaProducer;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The {@code hormesis} command: one entry point for the demo, the jobs, SQL and tools. */
public final class HormesisCli {
    private HormesisCli() {}

    static final String USAGE =
            String.join(
                    "\n",
                    "usage: hormesis <command> [options]",
                    "",
                    "Hormesis watches an ML serving fleet through Kafka, detects anomalies, sends",
                    "SCALE/ROLLBACK/RETRAIN commands and records why in Iceberg lineage tables.",
                    "",
                    "commands:",
                    "  demo        run everything on this machine: a Kafka broker, the three",
                    "              pipelines on a Flink MiniCluster, the simulated fleet, then SQL",
                    "  sql QUERY   run Flink SQL (batch) over the lineage tables",
                    "  verify-lineage  recompute the hash chains of the lineage tables",
                    "  watch       run the WATCH job (inference events -> signals)",
                    "  control     run the CONTROL job (signals -> signed commands)",
                    "  lineage     run the LINEAGE job (every record -> Iceberg, hash-chained)",
                    "  all         run the three pipelines in one job",
                    "  simulate    close the loop over Kafka with the fleet twin (or demo events)",
                    "  detect      score NAB-style series files with the WATCH anomaly scorer",
                    "  bench watch measure WATCH throughput against a pass-through job",
                    "  options     list every --set KEY with its default and meaning",
                    "  help        show this help; 'hormesis help <command>' shows a command's",
                    "",
                    "Run 'hormesis <command> --help' for a command's options.");

    static final Map<String, String> COMMAND_HELP = new LinkedHashMap<>();

    static {
        COMMAND_HELP.put(
                "demo",
                String.join(
                        "\n",
                        "usage: hormesis demo [--dir DIR] [--speedup X] [--timeout SECONDS]",
                        "",
                        "Starts a real Kafka broker (KRaft, child JVM on 127.0.0.1), a Flink",
                        "MiniCluster running WATCH + CONTROL + LINEAGE, and a simulated fleet with",
                        "a latency regression and malformed records; prints the timeline, then",
                        "queries the Iceberg lineage tables with SQL. Exits 0 when it worked.",
                        "",
                        "  --dir DIR          working directory (default .hormesis)",
                        "  --speedup X        simulated seconds per wall second (default 20;",
                        "                     0 = as fast as possible)",
                        "  --timeout SECONDS  give up if the pipelines have not settled (90)",
                        "  --kafka-lib DIR    the Kafka broker's jars (default",
                        "                     kafka-broker/target/lib, or $HORMESIS_KAFKA_LIB)"));
        COMMAND_HELP.put("sql", sqlHelp());
        COMMAND_HELP.put(
                "verify-lineage",
                String.join(
                        "\n",
                        "usage: hormesis verify-lineage [--warehouse DIR] [--set KEY=VALUE ...]",
                        "",
                        "Recomputes every hash chain of the lineage tables (per deployment, across",
                        "all tables: seq 1, 2, 3, ..., hash = SHA-256(prev_hash || canonical row))",
                        "and prints each row that was altered, removed, duplicated or re-linked,",
                        "with its chain, table and seq. Exits 0 when every chain verifies, 1 when",
                        "it finds a problem. The catalog is chosen as for the jobs",
                        "(iceberg.catalog-type, iceberg.catalog-uri; see 'hormesis options').",
                        "",
                        "  --warehouse DIR    Iceberg warehouse (default .hormesis/warehouse)"));
        String job =
                String.join(
                        "\n",
                        "usage: hormesis %s --bootstrap-servers HOST:PORT [--warehouse DIR]",
                        "                [--set KEY=VALUE ...]",
                        "",
                        "Runs the job until cancelled. With 'java -jar' it runs on a local",
                        "MiniCluster; with 'flink run' on the cluster. Commands are signed with",
                        "control.signing-key (or env HORMESIS_SIGNING_KEY). See 'hormesis options'.");
        for (String name : List.of("watch", "control", "lineage", "all")) {
            COMMAND_HELP.put(name, String.format(job, name));
        }
        COMMAND_HELP.put(
                "detect",
                String.join(
                        "\n",
                        "usage: hormesis detect --corpus DIR --out DIR [--parallelism N]",
                        "       hormesis detect --input FILE --output FILE",
                        "",
                        "Runs the WATCH anomaly-score operator on a Flink MiniCluster over",
                        "timestamp,value series (one key per series, all series in one job) and",
                        "writes timestamp,value,anomaly_score rows aligned with the input.",
                        "A corpus holds DIR/data/<category>/<file>.csv (the NAB layout); the",
                        "output is OUT/<category>/<file>.csv. No labels are read. Score it with",
                        "python3 ../shared/tools/nab_score.py --corpus DIR --results OUT.",
                        "",
                        "  --parallelism N   Flink parallelism (default 2)"));
        COMMAND_HELP.put(
                "bench",
                String.join(
                        "\n",
                        "usage: hormesis bench watch [--events N] [--parallelism P]"
                                + " [--deployments D] [--rounds R] [--json FILE]",
                        "       hormesis bench loop [--scenario S] [--trace DIR] [--speedup X]"
                                + " [--json FILE] [--chart FILE.png] [--seed N]",
                        "",
                        "Runs, on one MiniCluster, a pass-through job and the WATCH job over the",
                        "same generated inference telemetry (single-object Avro bytes, as from",
                        "Kafka), after a warm-up run of each, and prints both throughputs and",
                        "their ratio for every round and for the median round (by ratio).",
                        "",
                        "  --events N        events per measured run (default 2,000,000)",
                        "  --parallelism P   Flink parallelism (default 2)",
                        "  --deployments D   distinct deployments, i.e. keys x2 (default 100)",
                        "  --rounds R        rounds of pass-through then WATCH (default 3)",
                        "  --json FILE       also write the figures as JSON",
                        "",
                        "bench loop runs the closed loop on the fleet twin (one GPU deployment,",
                        "M/M/c latency, 90 s replica warm-up, p95 SLO 4 s) driven by the Azure LLM",
                        "conv trace, with three policies on the same arrivals and events: static",
                        "provisioning for the peak, a reactive HPA-style scaler (70 % target, 10 %",
                        "tolerance, 300 s scale-down window) and Hormesis (DeploymentController).",
                        "It prints SLO-violation seconds, GPU-hours, SCALE commands, rollback time",
                        "after a bad deploy, false rollbacks and violations per surge episode.",
                        "",
                        "  --scenario S      surge, repeated-surges, bad-deploy, feature-drift,",
                        "                    replica-crash or chaos (default repeated-surges)",
                        "  --trace DIR       the trace directory (default ../shared/data/azure-llm-2023)",
                        "  --speedup X       trace seconds per simulated second (default 1)",
                        "  --volume V        the deployment serves V times the trace (default 8)",
                        "  --minutes M       simulated minutes (default 60)",
                        "  --seed N          seed of the twin and of chaos (default 42)",
                        "  --json FILE       also write the figures as JSON",
                        "  --chart FILE.png  also draw load, replicas and violations over time"));
        COMMAND_HELP.put(
                "simulate",
                String.join(
                        "\n",
                        "usage: hormesis simulate --bootstrap-servers HOST:PORT [--scenario S]",
                        "                [--speedup X] [--trace DIR] [--seed N] [--duration D]",
                        "                [--volume V] [--set KEY=VALUE ...]",
                        "",
                        "Closes the control loop over Kafka with the fleet twin (one GPU deployment,",
                        "M/M/c latency, 90 s replica warm-up, p95 SLO 4 s, versions v7 good and v8",
                        "bad): produces its InferenceEvents, ResourceSamples, ModelEvents and",
                        "CommandOutcomes, consumes the commands topic read_committed, verifies each",
                        "command's HMAC signature, expiry and id (forged, replayed and expired ones",
                        "are counted, not applied) and applies the accepted ones to the twin. The",
                        "signing key is control.signing-key (or env HORMESIS_SIGNING_KEY), the",
                        "same as the CONTROL job's. Run CONTROL with --set control.slo-ms=4000",
                        "--set control.prior-capacity=4 to match the twin.",
                        "",
                        "  --scenario S   surge, repeated-surges, bad-deploy, feature-drift,",
                        "                 replica-crash, chaos (all at random, plus malformed,",
                        "                 duplicated, late and out-of-order records, and forged,",
                        "                 replayed and expired commands), or demo: the demo",
                        "                 fleet's four minutes of inference events only (default)",
                        "  --speedup X    simulated seconds per wall second (default 20; 0 = max)",
                        "  --trace DIR    Azure LLM trace directory (default",
                        "                 ../shared/data/azure-llm-2023; a synthetic load if absent)",
                        "  --seed N       seed of the twin and of chaos (default 42)",
                        "  --duration D   simulated time, e.g. 30min, 600s (default 30min)",
                        "  --volume V     the deployment serves V times the trace (default 8)",
                        "  --topic T      demo only: the topic (default inference-events)"));
    }

    public static void main(String[] args) throws Exception {
        if (!FlinkEnvironments.underFlinkClient()) {
            System.exit(run(Arrays.asList(args), System.out, System.err));
        }
        // Under `flink run`, or submitted through the REST API, which runs this main inside the
        // JobManager: System.exit would take the JobManager down (and every job with it). A
        // failure is an exception instead, which the client reports with the CLI's own message.
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        OutputStream tee =
                new OutputStream() {
                    @Override
                    public void write(int b) {
                        System.err.write(b);
                        if (errors.size() < 16_384) {
                            errors.write(b);
                        }
                    }
                };
        int code;
        try (PrintStream err = new PrintStream(tee, true, StandardCharsets.UTF_8)) {
            code = run(Arrays.asList(args), System.out, err);
        }
        if (code != 0) {
            throw new IllegalArgumentException(
                    "hormesis "
                            + String.join(" ", args)
                            + " failed (exit code "
                            + code
                            + "): "
                            + errors.toString(StandardCharsets.UTF_8).strip());
        }
    }

    /** Runs one command as {@code main} would, printing to out and err; returns the exit code. */
    public static int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        if (args.isEmpty() || List.of("help", "--help", "-h").contains(args.get(0))) {
            if (args.size() > 1 && COMMAND_HELP.containsKey(args.get(1))) {
                out.println(COMMAND_HELP.get(args.get(1)));
            } else {
                out.println(USAGE);
            }
            return 0;
        }
        String command = args.get(0);
        List<String> rest = args.subList(1, args.size());
        if (rest.contains("--help") || rest.contains("-h")) {
            out.println(COMMAND_HELP.getOrDefault(command, USAGE));
            return 0;
        }
        try {
            switch (command) {
                case "demo":
                    return demo(rest, out);
                case "sql":
                    return sql(rest, out);
                case "verify-lineage":
                    return verifyLineage(rest, out);
                case "watch":
                    return job(rest, EnumSet.of(HormesisJobs.Pipeline.WATCH), "hormesis-watch");
                case "control":
                    return job(rest, EnumSet.of(HormesisJobs.Pipeline.CONTROL), "hormesis-control");
                case "lineage":
                    return job(rest, EnumSet.of(HormesisJobs.Pipeline.LINEAGE), "hormesis-lineage");
                case "all":
                    return job(rest, EnumSet.allOf(HormesisJobs.Pipeline.class), "hormesis-all");
                case "simulate":
                    return simulate(rest, out);
                case "detect":
                    return detect(rest, out);
                case "bench":
                    return bench(rest, out);
                case "options":
                    return options(out);
                default:
                    err.println("hormesis: unknown command '" + command + "'\n");
                    err.println(USAGE);
                    return 2;
            }
        } catch (Arguments.UsageException | IllegalArgumentException e) {
            err.println("hormesis " + command + ": " + e.getMessage() + "\n");
            err.println(COMMAND_HELP.getOrDefault(command, USAGE));
            return 2;
        }
    }

    private static int demo(List<String> args, PrintStream out) throws Exception {
        Arguments a =
                Arguments.parse(args, Set.of("dir", "speedup", "timeout", "kafka-lib"), Set.of());
        double speedup = a.number("speedup", 20);
        double timeout = a.number("timeout", 90);
        if (speedup < 0 || !(timeout > 0)) {
            throw new Arguments.UsageException("--speedup must be >= 0 and --timeout > 0");
        }
        Path kafkaLib =
                a.has("kafka-lib")
                        ? Path.of(a.flag("kafka-lib", ""))
                        : KafkaBrokerProcess.resolveLibDir();
        Path dir = Path.of(a.flag("dir", ".hormesis"));
        Demo.run(
                new Demo.Options(
                        dir, kafkaLib, speedup, Duration.ofMillis((long) (timeout * 1000))),
                out);
        return 0;
    }

    private static String sqlHelp() {
        List<String> lines = new java.util.ArrayList<>();
        lines.add("usage: hormesis sql \"SELECT ...\" [--warehouse DIR] [--set KEY=VALUE]");
        lines.add("       hormesis sql --file FILE [--param NAME=VALUE ...] [--warehouse DIR]");
        lines.add("");
        lines.add("Runs one Flink SQL statement in batch mode with the Iceberg catalog");
        lines.add("registered, 'lineage' as the current database and UTC as the time zone,");
        lines.add("and prints a table. Tables: " + tableNames() + ".");
        lines.add("");
        lines.add("  --warehouse DIR    Iceberg warehouse (default .hormesis/warehouse)");
        lines.add("  --file FILE        a query file, or the name of a bundled one (below)");
        lines.add("  --param NAME=VAL   fills ${NAME} in the file (${NAME:default} has a");
        lines.add("                     default; ${now} defaults to the current UTC time)");
        lines.add("");
        lines.add("Bundled query files (jobs/src/main/resources/sql/):");
        for (String name : LineageQueries.BUNDLED) {
            try {
                String sql = LineageQueries.bundled(name);
                lines.add("  " + name);
                for (String line : LineageQueries.header(sql).split("\n")) {
                    lines.add("      " + line);
                }
                Map<String, String> params = LineageQueries.parameters(sql);
                if (!params.isEmpty()) {
                    StringBuilder p = new StringBuilder("      params:");
                    params.forEach(
                            (k, v) ->
                                    p.append(' ')
                                            .append(k)
                                            .append(v == null ? "" : "=" + v)
                                            .append(k.equals("now") && v == null ? "=<now>" : ""));
                    lines.add(p.toString());
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        lines.add("");
        lines.add("Statistics functions, registered in every session:");
        lines.add(SqlSketches.HELP);
        return String.join("\n", lines);
    }

    private static String tableNames() {
        List<String> names = new java.util.ArrayList<>();
        for (LineageTables table : LineageTables.values()) {
            names.add(table.tableName());
        }
        return String.join(", ", names);
    }

    private static int sql(List<String> args, PrintStream out) throws Exception {
        Arguments a = Arguments.parse(args, Set.of("warehouse", "file", "param"), Set.of());
        String statement;
        if (a.has("file") && a.positional().isEmpty()) {
            statement =
                    LineageQueries.substitute(
                            LineageQueries.load(a.flag("file", "")), a.params(), Instant.now());
        } else if (!a.has("file") && a.positional().size() == 1) {
            if (!a.params().isEmpty()) {
                throw new Arguments.UsageException("--param goes with --file");
            }
            statement = a.positional().get(0);
        } else {
            throw new Arguments.UsageException("give one SQL statement, quoted, or --file FILE");
        }
        if (a.has("file")) {
            // The answers of the query files are sentences: show them whole.
            a.settings().putIfAbsent("table.display.max-column-width", "160");
        }
        Configuration config = configuration(a, false);
        requireWarehouse(config);
        new LineageSql(config).print(stripTrailingSemicolon(statement), out);
        return 0;
    }

    private static void requireWarehouse(Configuration config) {
        if (!config.get(HormesisOptions.CATALOG_TYPE).equals("hadoop")) {
            return;
        }
        Path warehouse = Path.of(config.get(HormesisOptions.WAREHOUSE));
        if (!warehouse.isAbsolute() && !Files.isDirectory(warehouse)) {
            throw new IllegalArgumentException(
                    "no warehouse at "
                            + warehouse.toAbsolutePath()
                            + ": run 'hormesis demo' first or pass --warehouse DIR");
        }
    }

    private static int verifyLineage(List<String> args, PrintStream out) throws Exception {
        Arguments a = Arguments.parse(args, Set.of("warehouse"), Set.of());
        if (!a.positional().isEmpty()) {
            throw new Arguments.UsageException("unexpected " + a.positional());
        }
        Configuration config = configuration(a, false);
        requireWarehouse(config);
        LineageVerifier.Report report = LineageVerifier.verify(LineageCatalog.loader(config));
        out.printf(
                Locale.ROOT,
                "verify-lineage: %s: %d tables, %d rows, %d chains%n",
                LineageCatalog.describe(config),
                report.tables(),
                report.rows(),
                report.chains());
        for (LineageVerifier.Finding f : report.findings()) {
            out.printf(
                    Locale.ROOT,
                    "%-11s chain %s  table %s  seq %d: %s%n",
                    f.problem(),
                    f.chain(),
                    f.table() == null ? "?" : f.table(),
                    f.seq(),
                    f.detail());
        }
        if (report.intact()) {
            out.println("OK: every chain verifies");
            return 0;
        }
        out.printf(
                Locale.ROOT,
                "FAILED: %d findings in %d chains%n",
                report.findings().size(),
                report.findings().stream().map(LineageVerifier.Finding::chain).distinct().count());
        return 1;
    }

    private static String stripTrailingSemicolon(String sql) {
        String trimmed = sql.strip();
        return trimmed.endsWith(";") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
    }

    private static int job(List<String> args, EnumSet<HormesisJobs.Pipeline> pipelines, String name)
            throws Exception {
        Arguments a = Arguments.parse(args, Set.of("bootstrap-servers", "warehouse"), Set.of());
        Configuration config = configuration(a, true);
        if (pipelines.contains(HormesisJobs.Pipeline.CONTROL)) {
            HormesisOptions.signingKey(config);
        }
        StreamExecutionEnvironment env = FlinkEnvironments.forJob(config);
        HormesisJobs.define(env, config, pipelines);
        env.execute(name);
        return 0;
    }

    private static int simulate(List<String> args, PrintStream out) throws Exception {
        Arguments a =
                Arguments.parse(
                        args,
                        Set.of(
                                "bootstrap-servers",
                                "speedup",
                                "topic",
                                "scenario",
                                "trace",
                                "seed",
                                "duration",
                                "volume"),
                        Set.of());
        String bootstrap = a.flag("bootstrap-servers", null);
        if (bootstrap == null) {
            throw new Arguments.UsageException("--bootstrap-servers is required");
        }
        double speedup = a.number("speedup", 20);
        if (speedup < 0) {
            throw new Arguments.UsageException("--speedup must be >= 0");
        }
        String scenario = a.flag("scenario", "demo");
        if (!scenario.equals("demo")) {
            return Simulate.run(
                    new Simulate.Options(
                            bootstrap,
                            scenario,
                            speedup,
                            a.has("trace") ? Path.of(a.flag("trace", "")) : null,
                            (long) a.number("seed", 42),
                            Simulate.parseDuration(a.flag("duration", "30min")),
                            a.number("volume", 8),
                            a.settings()),
                    out);
        }
        FleetSimulator simulator = new FleetSimulator(FleetSimulator.Scenario.demoRecent());
        try (KafkaProducer<byte[], byte[]> producer = ByteProducers.create(bootstrap)) {
            int n =
                    simulator.produce(
                            producer,
                            a.flag("topic", "inference-events"),
                            speedup,
                            Duration.ofSeconds(30),
                            p ->
                                    out.printf(
                                            Locale.ROOT,
                                            "%s  %d of %d produced%n",
                                            p.eventTime(),
                                            p.produced(),
                                            p.total()));
            out.printf("produced %d records%n", n);
        }
        return 0;
    }

    private static int detect(List<String> args, PrintStream out) throws Exception {
        Arguments a =
                Arguments.parse(
                        args, Set.of("corpus", "out", "input", "output", "parallelism"), Set.of());
        int parallelism = (int) a.number("parallelism", 2);
        if (parallelism < 1) {
            throw new Arguments.UsageException("--parallelism must be >= 1");
        }
        DetectJob.Summary summary;
        if (a.has("corpus") && a.has("out") && !a.has("input") && !a.has("output")) {
            out.printf("scoring %s ...%n", a.flag("corpus", ""));
            summary =
                    DetectJob.corpus(
                            Path.of(a.flag("corpus", "")),
                            Path.of(a.flag("out", "")),
                            parallelism,
                            out);
        } else if (a.has("input") && a.has("output") && !a.has("corpus") && !a.has("out")) {
            summary =
                    DetectJob.single(
                            Path.of(a.flag("input", "")),
                            Path.of(a.flag("output", "")),
                            parallelism,
                            out);
        } else {
            throw new Arguments.UsageException(
                    "give --corpus DIR --out DIR, or --input FILE --output FILE");
        }
        out.printf(
                Locale.ROOT,
                "scored %,d rows of %d series in %.1f s (%,.0f rows/s)%s%n",
                summary.rows(),
                summary.series(),
                summary.seconds(),
                summary.rows() / summary.seconds(),
                summary.unparsed() > 0
                        ? "; " + summary.unparsed() + " rows did not parse and scored 0"
                        : "");
        return 0;
    }

    private static int bench(List<String> args, PrintStream out) throws Exception {
        if (!args.isEmpty() && args.get(0).equals("loop")) {
            return benchLoop(args.subList(1, args.size()), out);
        }
        Arguments a =
                Arguments.parse(
                        args,
                        Set.of("events", "parallelism", "deployments", "rounds", "json"),
                        Set.of());
        if (a.positional().size() != 1 || !a.positional().get(0).equals("watch")) {
            throw new Arguments.UsageException("the benchmark to run is 'watch' or 'loop'");
        }
        long events = (long) a.number("events", 2_000_000);
        int parallelism = (int) a.number("parallelism", 2);
        int deployments = (int) a.number("deployments", 100);
        int rounds = (int) a.number("rounds", 3);
        if (events < 1 || parallelism < 1 || deployments < 1 || rounds < 1) {
            throw new Arguments.UsageException(
                    "--events, --parallelism, --deployments and --rounds must be >= 1");
        }
        out.printf(
                Locale.ROOT,
                "bench watch: %,d events, parallelism %d, %d deployments, %d rounds"
                        + " (warm-up first)%n",
                events,
                parallelism,
                deployments,
                rounds);
        int[] round = {0};
        WatchBenchmark.Result r =
                WatchBenchmark.run(
                        events,
                        parallelism,
                        deployments,
                        rounds,
                        a.has("json") ? Path.of(a.flag("json", "")) : null,
                        each ->
                                out.printf(
                                        Locale.ROOT,
                                        "round %d: pass-through %,.0f events/s, WATCH %,.0f"
                                                + " events/s, ratio %.3f%n",
                                        ++round[0],
                                        each.passThroughEventsPerSecond(),
                                        each.watchEventsPerSecond(),
                                        each.ratio()));
        out.printf(Locale.ROOT, "median round of %d (by ratio):%n", rounds);
        out.printf(Locale.ROOT, "pass-through  %,12.0f events/s%n", r.passThroughEventsPerSecond());
        out.printf(Locale.ROOT, "WATCH         %,12.0f events/s%n", r.watchEventsPerSecond());
        out.printf(Locale.ROOT, "ratio         %12.3f (WATCH / pass-through)%n", r.ratio());
        return 0;
    }

    private static int benchLoop(List<String> args, PrintStream out) throws Exception {
        Arguments a =
                Arguments.parse(
                        args,
                        Set.of(
                                "scenario",
                                "trace",
                                "speedup",
                                "volume",
                                "minutes",
                                "seed",
                                "json",
                                "chart"),
                        Set.of());
        if (!a.positional().isEmpty()) {
            throw new Arguments.UsageException("unexpected argument " + a.positional().get(0));
        }
        String scenario = a.flag("scenario", "repeated-surges");
        if (!TwinScenario.NAMES.contains(scenario)) {
            throw new Arguments.UsageException(
                    "--scenario must be one of " + String.join(", ", TwinScenario.NAMES));
        }
        double speedup = a.number("speedup", 1.0);
        double volume = a.number("volume", 8.0);
        int minutes = (int) a.number("minutes", 60);
        if (!(speedup > 0) || !(volume > 0) || minutes < 2) {
            throw new Arguments.UsageException(
                    "--speedup and --volume must be > 0, --minutes >= 2");
        }
        long seed = (long) a.number("seed", 42);
        Path trace = Path.of(a.flag("trace", ArrivalTrace.DEFAULT_DIR.toString()));
        ArrivalTrace arrivals;
        try {
            arrivals = ArrivalTrace.azure(trace, "conv", speedup, volume);
        } catch (IllegalArgumentException e) {
            throw new Arguments.UsageException(e.getMessage());
        }
        LoopBenchmark.Result r =
                LoopBenchmark.run(
                        new LoopBenchmark.Options(scenario, arrivals, minutes * 60, seed));
        out.printf(
                Locale.ROOT,
                "bench loop: scenario %s, %d min, seed %d, %s; static peak = %d replicas%n",
                r.scenario(),
                minutes,
                seed,
                r.trace(),
                r.staticReplicas());
        out.printf(
                Locale.ROOT,
                "%-13s %10s %9s %7s %12s %9s %9s %8s  %s%n",
                "policy",
                "SLO-viol s",
                "GPU-hours",
                "SCALEs",
                "rollback s",
                "rollbacks",
                "false rb",
                "escal.",
                "violations per surge episode");
        for (LoopBenchmark.PolicyResult p : r.policies()) {
            out.printf(
                    Locale.ROOT,
                    "%-13s %10d %9.2f %7d %12s %9d %9d %8d  %s%n",
                    p.policy(),
                    p.sloViolationSeconds(),
                    p.gpuHours(),
                    p.scalingCommands(),
                    Double.isNaN(p.rollbackSeconds())
                            ? "-"
                            : String.format(Locale.ROOT, "%.0f", p.rollbackSeconds()),
                    p.rollbacks(),
                    p.falseRollbacks(),
                    p.escalations(),
                    p.violationsPerEpisode());
        }
        for (String line : LoopBenchmark.targets(r)) {
            out.println(line);
        }
        if (a.has("json")) {
            LoopBenchmark.writeJson(r, Path.of(a.flag("json", "")));
            out.println("json: " + a.flag("json", ""));
        }
        if (a.has("chart")) {
            LoopBenchmark.writeChart(r, Path.of(a.flag("chart", "")));
            out.println("chart: " + a.flag("chart", ""));
        }
        return 0;
    }

    private static int options(PrintStream out) {
        for (ConfigOption<?> option : HormesisOptions.all()) {
            out.printf(
                    "%-30s default %-22s %s%n",
                    option.key(),
                    option.hasDefaultValue() ? String.valueOf(option.defaultValue()) : "(none)",
                    text(option.description()));
        }
        return 0;
    }

    /** The plain text of an option's description (Flink keeps it as formatted blocks). */
    static String text(org.apache.flink.configuration.description.Description description) {
        StringBuilder text = new StringBuilder();
        for (var block : description.getBlocks()) {
            if (block instanceof org.apache.flink.configuration.description.TextElement t) {
                text.append(text.length() == 0 ? "" : " ").append(t.getFormat());
            }
        }
        return text.toString();
    }

    private static Configuration configuration(Arguments a, boolean needsKafka) {
        Map<String, String> settings = new LinkedHashMap<>(a.settings());
        if (a.has("bootstrap-servers")) {
            settings.put(HormesisOptions.BOOTSTRAP_SERVERS.key(), a.flag("bootstrap-servers", ""));
        }
        if (a.has("warehouse")) {
            settings.put(HormesisOptions.WAREHOUSE.key(), a.flag("warehouse", ""));
        }
        Configuration config = HormesisOptions.fromSettings(settings);
        if (needsKafka) {
            HormesisOptions.bootstrapServers(config);
        }
        return config;
    }
}
