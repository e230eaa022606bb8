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
import java.util.stream.Stream;

/**
 * Scores every series of a NAB-style corpus with {@link AnomalyScorers#standard()} in plain Java
 * (no Flink): the fast loop for measuring the scorer. Usage: {@code NabCorpusRun CORPUS OUT
 * [referenceSize,referenceStride,window,learn,refractory,fireP,bins,profileAlpha,pointMultiplicity[,profileClip,levelWindow,levelScales]]}.
 */
public final class NabCorpusRun {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    static TailProbabilityScorer.Settings settings(String csv) {
        String[] p = csv.split(",");
        if (p.length == 12) {
            return new TailProbabilityScorer.Settings(
                    Integer.parseInt(p[0]),
                    Integer.parseInt(p[1]),
                    Integer.parseInt(p[2]),
                    Integer.parseInt(p[3]),
                    Integer.parseInt(p[4]),
                    Double.parseDouble(p[5]),
                    Integer.parseInt(p[6]),
                    Double.parseDouble(p[7]),
                    Double.parseDouble(p[8]),
                    Double.parseDouble(p[9]),
                    Integer.parseInt(p[10]),
                    Integer.parseInt(p[11]));
        }
        return new TailProbabilityScorer.Settings(
                Integer.parseInt(p[0]),
                Integer.parseInt(p[1]),
                Integer.parseInt(p[2]),
                Integer.parseInt(p[3]),
                Integer.parseInt(p[4]),
                Double.parseDouble(p[5]),
                Integer.parseInt(p[6]),
                Double.parseDouble(p[7]),
                Double.parseDouble(p[8]));
    }

    /** Every series of a NAB-style corpus's data folder, in path order. */
    static List<Path> seriesFiles(Path corpus) throws IOException {
        try (Stream<Path> walk = Files.walk(corpus)) {
            return walk.filter(p -> p.toString().endsWith(".csv")).sorted().toList();
        }
    }

    public static void main(String[] args) throws IOException {
        Path corpus = Path.of(args[0]).resolve("data");
        Path out = Path.of(args[1]);
        List<Path> files = seriesFiles(corpus);
        for (Path file : files) {
            Path target = out.resolve(corpus.relativize(file));
            Files.createDirectories(target.getParent());
            AnomalyScorer scorer =
                    args.length > 2
                            ? new TailProbabilityScorer(settings(args[2]))
                            : AnomalyScorers.standard();
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            try (BufferedWriter w = Files.newBufferedWriter(target, StandardCharsets.UTF_8)) {
                w.write("timestamp,value,anomaly_score\n");
                for (String line : lines.subList(1, lines.size())) {
                    int comma = line.indexOf(',');
                    String ts = line.substring(0, comma);
                    double value = Double.parseDouble(line.substring(comma + 1));
                    long millis =
                            LocalDateTime.parse(ts.substring(0, 19), TS)
                                    .toInstant(ZoneOffset.UTC)
                                    .toEpochMilli();
                    double score = scorer.score(millis, value);
                    w.write(ts + "," + line.substring(comma + 1) + "," + score + "\n");
                }
            }
        }
    }
}
