package io.hormesis.jobs.bench;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.jobs.watch.WatchPipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Throughput of the WATCH job against a pass-through job over the same generated telemetry, in one
 * run on one MiniCluster: what the detection costs relative to moving the bytes at all.
 */
public final class WatchBenchmark {
    private WatchBenchmark() {}

    /** One round: the pass-through job, then the WATCH job, each over the same events. */
    public record Round(double passThroughEventsPerSecond, double watchEventsPerSecond) {
        public double ratio() {
            return watchEventsPerSecond / passThroughEventsPerSecond;
        }
    }

    /**
     * Measured figures: every round, and the round whose ratio is the median (the lower middle one
     * for an even count), so one disturbed run on a shared machine does not decide the figure.
     */
    public record Result(long events, int parallelism, List<Round> rounds) {
        public Result {
            if (rounds.isEmpty()) {
                throw new IllegalArgumentException("at least one round");
            }
            rounds = List.copyOf(rounds);
        }

        /** The median round by ratio. */
        public Round median() {
            List<Round> sorted = new ArrayList<>(rounds);
            sorted.sort(Comparator.comparingDouble(Round::ratio));
            return sorted.get((sorted.size() - 1) / 2);
        }

        public double passThroughEventsPerSecond() {
            return median().passThroughEventsPerSecond();
        }

        public double watchEventsPerSecond() {
            return median().watchEventsPerSecond();
        }

        public double ratio() {
            return median().ratio();
        }

        public String toJson() {
            StringBuilder each = new StringBuilder();
            for (Round r : rounds) {
                each.append(each.length() == 0 ? "" : ",")
                        .append(
                                String.format(
                                        Locale.ROOT,
                                        "{\"pass_through_events_per_second\":%.1f,"
                                                + "\"watch_events_per_second\":%.1f,"
                                                + "\"ratio\":%.4f}",
                                        r.passThroughEventsPerSecond(),
                                        r.watchEventsPerSecond(),
                                        r.ratio()));
            }
            return String.format(
                    Locale.ROOT,
                    "{\"benchmark\":\"watch\",\"events\":%d,\"parallelism\":%d,"
                            + "\"pass_through_events_per_second\":%.1f,"
                            + "\"watch_events_per_second\":%.1f,\"ratio\":%.4f,"
                            + "\"rounds\":[%s]}",
                    events,
                    parallelism,
                    passThroughEventsPerSecond(),
                    watchEventsPerSecond(),
                    ratio(),
                    each);
        }
    }

    public static Result run(long events, int parallelism, int deployments, Path json)
            throws Exception {
        return run(events, parallelism, deployments, 1, json, r -> {});
    }

    /**
     * Warms both jobs up, then runs {@code rounds} rounds of the pass-through job followed by the
     * WATCH job, each round reported to {@code progress} as it ends.
     */
    public static Result run(
            long events,
            int parallelism,
            int deployments,
            int rounds,
            Path json,
            Consumer<Round> progress)
            throws Exception {
        if (events < 1 || parallelism < 1 || rounds < 1) {
            throw new IllegalArgumentException("events, parallelism and rounds must be >= 1");
        }
        // Warm the JVM (JIT, class loading) on a short run of each job before measuring.
        runOnce(Math.min(events, 200_000), parallelism, deployments, false);
        runOnce(Math.min(events, 200_000), parallelism, deployments, true);
        List<Round> measured = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            double passThrough = runOnce(events, parallelism, deployments, false);
            double watch = runOnce(events, parallelism, deployments, true);
            Round round = new Round(passThrough, watch);
            measured.add(round);
            progress.accept(round);
        }
        Result result = new Result(events, parallelism, measured);
        if (json != null) {
            if (json.getParent() != null) {
                Files.createDirectories(json.getParent());
            }
            Files.writeString(json, result.toJson() + "\n", StandardCharsets.UTF_8);
        }
        return result;
    }

    /** Events per second of one job, from Flink's net runtime of the job. */
    private static double runOnce(long events, int parallelism, int deployments, boolean watch)
            throws Exception {
        Configuration conf = new Configuration();
        conf.setString("pipeline.generic-types", "false");
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        DataGeneratorSource<RawRecord> source =
                new DataGeneratorSource<>(
                        new TelemetryGenerator(deployments),
                        events,
                        TypeInformation.of(RawRecord.class));
        DataStream<RawRecord> raw =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "generated telemetry");
        if (watch) {
            Configuration settings =
                    HormesisOptions.fromSettings(Map.of("kafka.bootstrap-servers", "unused:0"));
            WatchPipeline.Outputs out = WatchPipeline.build(settings, raw);
            out.signals().sinkTo(new DiscardingSink<>());
            out.deadLetters().sinkTo(new DiscardingSink<>());
            out.baselines().sinkTo(new DiscardingSink<>());
        } else {
            raw.sinkTo(new DiscardingSink<>());
        }
        JobExecutionResult result = env.execute(watch ? "bench-watch" : "bench-pass-through");
        return events / (result.getNetRuntime() / 1000.0);
    }

    static void write(Path json, String text) throws IOException {
        Files.writeString(json, text, StandardCharsets.UTF_8);
    }
}
