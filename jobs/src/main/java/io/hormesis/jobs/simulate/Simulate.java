package io.hormesis.jobs.simulate;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.TimeUtils;

import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.control.CommandVerifier;
import io.hormesis.jobs.sim.twin.ArrivalTrace;
import io.hormesis.jobs.sim.twin.TwinScenario;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code hormesis simulate} with a twin scenario: options in, progress and a summary out. */
public final class Simulate {
    private Simulate() {}

    /** The command's options; {@code trace} null means the default directory, if it is there. */
    public record Options(
            String bootstrapServers,
            String scenario,
            double speedup,
            Path trace,
            long seed,
            Duration duration,
            double volume,
            Map<String, String> settings) {}

    /** "30min", "600s", "1h" (Flink's duration syntax), or plain seconds. */
    public static Duration parseDuration(String text) {
        try {
            return text.matches("\\d+")
                    ? Duration.ofSeconds(Long.parseLong(text))
                    : TimeUtils.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--duration takes a duration such as 30min or 600s, got '" + text + "'");
        }
    }

    public static int run(Options o, PrintStream out) throws InterruptedException {
        if (!TwinScenario.NAMES.contains(o.scenario())) {
            throw new IllegalArgumentException(
                    "unknown scenario '"
                            + o.scenario()
                            + "'; one of demo, "
                            + String.join(", ", TwinScenario.NAMES));
        }
        if (o.duration().getSeconds() < 60) {
            throw new IllegalArgumentException("--duration must be at least 60 s");
        }
        if (!(o.volume() > 0)) {
            throw new IllegalArgumentException("--volume must be > 0");
        }
        Map<String, String> all = new LinkedHashMap<>(o.settings());
        all.put(HormesisOptions.BOOTSTRAP_SERVERS.key(), o.bootstrapServers());
        Configuration config = HormesisOptions.fromSettings(all);
        String key = HormesisOptions.signingKey(config);
        CommandVerifier verifier =
                CommandVerifier.of(config.get(HormesisOptions.CONTROL_SIGNING_KEY_ID), key);

        int seconds = (int) o.duration().getSeconds();
        ArrivalTrace trace;
        Path dir = o.trace() != null ? o.trace() : ArrivalTrace.DEFAULT_DIR;
        if (o.trace() != null || Files.isDirectory(dir)) {
            trace = ArrivalTrace.azure(dir, "conv", 1.0, o.volume());
        } else {
            trace = ArrivalTrace.synthetic(seconds, 2.0 * o.volume(), 0.3, 1800);
        }
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        TwinDeployment twin =
                TwinDeployment.create(o.scenario(), seconds, trace, start.toEpochMilli(), o.seed());
        out.printf(
                Locale.ROOT,
                "simulate %s: %d s of %s on %s (%d replicas to start), x%.1f, seed %d%n",
                o.scenario(),
                seconds,
                trace.description(),
                twin.deployment(),
                twin.twin().spec().initialReplicas(),
                o.speedup(),
                o.seed());
        KafkaSimulation simulation =
                new KafkaSimulation(
                        twin,
                        verifier,
                        new KafkaSimulation.Options(
                                o.bootstrapServers(),
                                config.get(HormesisOptions.TOPIC_INFERENCE_EVENTS),
                                config.get(HormesisOptions.TOPIC_RESOURCE_SAMPLES),
                                config.get(HormesisOptions.TOPIC_MODEL_EVENTS),
                                config.get(HormesisOptions.TOPIC_COMMAND_OUTCOMES),
                                config.get(HormesisOptions.TOPIC_SIGNALS),
                                config.get(HormesisOptions.TOPIC_COMMANDS),
                                o.speedup(),
                                o.scenario().equals("chaos"),
                                o.seed(),
                                Duration.ofSeconds(60),
                                Duration.ofSeconds(5)));
        KafkaSimulation.Result r =
                simulation.run(
                        p ->
                                out.printf(
                                        Locale.ROOT,
                                        "%s  live %s, %d ready, %,d records produced,"
                                                + " commands %s%n",
                                        Instant.ofEpochMilli(p.simulatedTime()),
                                        p.liveVersion(),
                                        p.readyReplicas(),
                                        p.records(),
                                        p.verdicts()));
        out.printf(
                Locale.ROOT,
                "done in %.1f s: %,d simulated s, %,d inference events, %,d other records;"
                        + " chaos: %d malformed, %d duplicated, %d late, %d reordered%n",
                r.wallSeconds(),
                r.simulatedSeconds(),
                r.inferenceEvents(),
                r.otherRecords(),
                r.malformed(),
                r.duplicated(),
                r.late(),
                r.reordered());
        out.printf(Locale.ROOT, "commands received: %d %s%n", r.commands().size(), r.verdicts());
        for (KafkaSimulation.Received c : r.commands()) {
            out.printf(
                    Locale.ROOT,
                    "  %s  %-8s %s  %s: %s%n",
                    Instant.ofEpochMilli(c.simulatedAt()),
                    c.command().getKind(),
                    c.command().getCommandId(),
                    c.verdict().status(),
                    c.verdict().reason());
        }
        return 0;
    }
}
