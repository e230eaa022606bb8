package io.hormesis.jobs.detect;

import io.hormesis.stats.anomaly.AnomalyScorer;
import io.hormesis.stats.anomaly.AnomalyScorers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code hormesis detect} on a MiniCluster: every output row lines up with its input row, and every
 * score equals what the plain-Java scorer gives for the same series.
 */
class DetectJobITCase {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @TempDir Path dir;

    private static List<String> series(long seed, int n, int spikeAt) {
        Random random = new Random(seed);
        LocalDateTime start = LocalDateTime.of(2026, 1, 1, 0, 0);
        List<String> rows = new ArrayList<>();
        rows.add("timestamp,value");
        for (int i = 0; i < n; i++) {
            double v = 100 + 10 * Math.sin(2 * Math.PI * i / 288.0) + random.nextGaussian();
            if (i == spikeAt) {
                v += 60;
            }
            rows.add(TS.format(start.plusMinutes(5L * i)) + "," + Math.round(v * 100) / 100.0);
        }
        return rows;
    }

    @Test
    void scoresEverySeriesExactlyAsThePlainJavaScorerAndKeepsRowsAligned() throws Exception {
        Path data = dir.resolve("corpus/data");
        Files.createDirectories(data.resolve("a"));
        Files.createDirectories(data.resolve("b"));
        List<String> spiky = series(1, 2_000, 1_500);
        List<String> calm = series(2, 1_200, -1);
        List<String> broken = new ArrayList<>(series(3, 800, -1));
        broken.set(400, "2026-01-02 09:15:00,not-a-number");
        Files.write(data.resolve("a/spiky.csv"), spiky, StandardCharsets.UTF_8);
        Files.write(data.resolve("a/calm.csv"), calm, StandardCharsets.UTF_8);
        Files.write(data.resolve("b/broken.csv"), broken, StandardCharsets.UTF_8);

        Path out = dir.resolve("out");
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        DetectJob.Summary summary =
                DetectJob.corpus(
                        dir.resolve("corpus"),
                        out,
                        2,
                        new PrintStream(progress, true, StandardCharsets.UTF_8));

        assertThat(summary.series()).isEqualTo(3);
        assertThat(summary.rows()).isEqualTo(2_000 + 1_200 + 800);
        assertThat(summary.unparsed()).isEqualTo(1);
        for (String name : List.of("a/spiky.csv", "a/calm.csv", "b/broken.csv")) {
            List<String> input = Files.readAllLines(data.resolve(name));
            List<String> output = Files.readAllLines(out.resolve(name));
            assertThat(output).hasSameSizeAs(input);
            assertThat(output.get(0)).isEqualTo("timestamp,value,anomaly_score");
            AnomalyScorer oracle = AnomalyScorers.standard();
            for (int i = 1; i < input.size(); i++) {
                String row = output.get(i);
                String text = row.substring(0, row.lastIndexOf(','));
                double score = Double.parseDouble(row.substring(row.lastIndexOf(',') + 1));
                assertThat(text).isEqualTo(input.get(i));
                String[] parts = text.split(",");
                double expected;
                try {
                    double value = Double.parseDouble(parts[1]);
                    long millis =
                            LocalDateTime.parse(parts[0], TS)
                                    .toInstant(ZoneOffset.UTC)
                                    .toEpochMilli();
                    expected = oracle.score(millis, value);
                } catch (NumberFormatException e) {
                    expected = 0.0;
                }
                assertThat(score).as(name + " row " + i).isEqualTo(expected);
            }
        }
        // The spike is the highest-scoring row of its series.
        List<String> spikyOut = Files.readAllLines(out.resolve("a/spiky.csv"));
        double spikeScore = Double.parseDouble(spikyOut.get(1_501).split(",")[2]);
        assertThat(spikeScore).isGreaterThan(0.9999);
    }
}
