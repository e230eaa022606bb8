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
import java.util.Locale;
import java.util.Map;

/**
 * Throughput of the WATCH job against a pass-through job over the same generated telemetry, in one
 * run on one MiniCluster: what the detection costs relative to moving the bytes at all.
 */
public final class WatchBenchmark {
    private WatchBenchmark() {}

    /** Measured figures. */
    public record Result(
            long events,
            int parallelism,
            double passThroughEventsPerSecond,
            double watchEventsPerSecond) {
        public double ratio() {
            return watchEventsPerSecond / passThroughEventsPerSecond;
        }

        public String toJson() {
            return String.format(
                    Locale.ROOT,
                    "{\"benchmark\":\"watch\",\"events\":%d,\"parallelism\":%d,"
                            + "\"pass_through_events_per_second\":%.1f,"
                            + "\"watch_events_per_second\":%.1f,\"ratio\":%.4f}",
                    events,
                    parallelism,
                    passThroughEventsPerSecond,
                    watchEventsPerSecond,
                    ratio());
        }
    }

    public static Result run(long events, int parallelism, int deployments, Path json)
            throws Exception {
        if (events < 1 || parallelism < 1) {
            throw new IllegalArgumentException("events and parallelism must be >= 1");
        }
        // Warm the JVM (JIT, class loading) on a short run of each job before measuring.
        runOnce(Math.min(events, 200_000), parallelism, deployments, false);
        runOnce(Math.min(events, 200_000), parallelism, deployments, true);
        double passThrough = runOnce(events, parallelism, deployments, false);
        double watch = runOnce(events, parallelism, deployments, true);
        Result result = new Result(events, parallelism, passThrough, watch);
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
