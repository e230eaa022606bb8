package io.hormesis.jobs.detect;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

import io.hormesis.jobs.watch.AnomalyScoreFunction;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Scores NAB-style series with the WATCH anomaly-score operator on Flink: one bounded file source
 * over every series, one key per series, all in one job; writes {@code timestamp,value,
 * anomaly_score} files whose rows align with the input rows. No labels are read.
 */
public final class DetectJob {
    private DetectJob() {}

    /** What a run did. */
    public record Summary(int series, long rows, long unparsed, double seconds) {}

    /**
     * Scores every {@code DIR/data/<category>/<file>.csv} into {@code OUT/<category>/<file>.csv}.
     */
    public static Summary corpus(Path corpus, Path out, int parallelism, PrintStream progress)
            throws Exception {
        Path data = corpus.resolve("data");
        if (!Files.isDirectory(data)) {
            throw new IllegalArgumentException(
                    "no data directory at "
                            + data.toAbsolutePath()
                            + ": a corpus holds data/<category>/<file>.csv");
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(data)) {
            files = walk.filter(p -> p.toString().endsWith(".csv")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no .csv files under " + data.toAbsolutePath());
        }
        Path root = data.toAbsolutePath().normalize();
        return run(files, root, s -> out.resolve(s), parallelism, progress);
    }

    /** Scores one series file into one output file. */
    public static Summary single(Path input, Path output, int parallelism, PrintStream progress)
            throws Exception {
        if (!Files.isRegularFile(input)) {
            throw new IllegalArgumentException("no file at " + input.toAbsolutePath());
        }
        Path root = input.toAbsolutePath().normalize().getParent();
        return run(List.of(input), root, s -> output, parallelism, progress);
    }

    private static Summary run(
            List<Path> files,
            Path root,
            java.util.function.Function<String, Path> target,
            int parallelism,
            PrintStream progress)
            throws Exception {
        long start = System.nanoTime();
        Configuration conf = new Configuration();
        conf.setString("pipeline.generic-types", "false");
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        org.apache.flink.core.fs.Path[] paths =
                files.stream()
                        .map(
                                p ->
                                        new org.apache.flink.core.fs.Path(
                                                p.toAbsolutePath().normalize().toUri()))
                        .toArray(org.apache.flink.core.fs.Path[]::new);
        FileSource<SeriesPoint> source =
                FileSource.forBulkFileFormat(new PathTaggedLines(root.toUri().getPath()), paths)
                        .build();
        DataStream<ScoredPoint> scored =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "series files")
                        .uid("detect-source")
                        .filter(p -> !(p.getLine() == 0 && isHeader(p.getText())))
                        .name("drop headers")
                        .keyBy(SeriesPoint::getSeries)
                        .process(new AnomalyScoreFunction(Duration.ofDays(3650)))
                        .uid("watch-anomaly-score")
                        .name("WATCH: anomaly score");

        Map<String, List<ScoredPoint>> bySeries = new TreeMap<>();
        long rows = 0;
        long unparsed = 0;
        try (CloseableIterator<ScoredPoint> it = scored.executeAndCollect("hormesis-detect")) {
            while (it.hasNext()) {
                ScoredPoint p = it.next();
                bySeries.computeIfAbsent(p.getSeries(), k -> new ArrayList<>()).add(p);
                rows++;
                if (!p.isParsed()) {
                    unparsed++;
                }
                if (rows % 50_000 == 0) {
                    progress.printf(Locale.ROOT, "  %,d rows scored%n", rows);
                }
            }
        }
        for (Map.Entry<String, List<ScoredPoint>> e : bySeries.entrySet()) {
            List<ScoredPoint> points = e.getValue();
            points.sort(Comparator.comparingLong(ScoredPoint::getLine));
            Path file = target.apply(e.getKey());
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            write(file, points);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Summary(bySeries.size(), rows, unparsed, seconds);
    }

    private static boolean isHeader(String text) {
        return text.isEmpty() || !Character.isDigit(text.charAt(0));
    }

    private static void write(Path file, List<ScoredPoint> points) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("timestamp,value,anomaly_score\n");
            for (ScoredPoint p : points) {
                w.write(p.getText());
                w.write(',');
                w.write(Double.toString(p.getScore()));
                w.write('\n');
            }
        }
    }
}
