package io.hormesis.stats.anomaly;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * {@link NabCorpusRun} with a fourth column: the name of the test that fired ({@link
 * TailProbabilityScorer.Finding#test()}) on rows scoring at or above the firing score, empty
 * elsewhere. The scores are the same as NabCorpusRun's; {@code src/test/python/nab_firings.py}
 * tallies false positives and first detections per test. Same arguments as NabCorpusRun.
 */
public final class NabFiringRun {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    public static void main(String[] args) throws IOException {
        Path corpus = Path.of(args[0]).resolve("data");
        Path out = Path.of(args[1]);
        List<Path> files = NabCorpusRun.seriesFiles(corpus);
        for (Path file : files) {
            Path target = out.resolve(corpus.relativize(file));
            Files.createDirectories(target.getParent());
            TailProbabilityScorer scorer =
                    args.length > 2
                            ? new TailProbabilityScorer(NabCorpusRun.settings(args[2]))
                            : (TailProbabilityScorer) AnomalyScorers.standard();
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            try (BufferedWriter w = Files.newBufferedWriter(target, StandardCharsets.UTF_8)) {
                w.write("timestamp,value,anomaly_score,test\n");
                for (String line : lines.subList(1, lines.size())) {
                    int comma = line.indexOf(',');
                    String ts = line.substring(0, comma);
                    double value = Double.parseDouble(line.substring(comma + 1));
                    long millis =
                            LocalDateTime.parse(ts.substring(0, 19), TS)
                                    .toInstant(ZoneOffset.UTC)
                                    .toEpochMilli();
                    double score = scorer.score(millis, value);
                    String test =
                            score >= scorer.firingScore() && scorer.lastFinding() != null
                                    ? scorer.lastFinding().test()
                                    : "";
                    w.write(ts + "," + line.substring(comma + 1) + "," + score + "," + test + "\n");
                }
            }
        }
    }
}
