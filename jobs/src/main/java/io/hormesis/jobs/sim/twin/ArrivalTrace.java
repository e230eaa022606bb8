package io.hormesis.jobs.sim.twin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * A request arrival profile: arrivals per second of simulated time, from a real trace (the Azure
 * LLM inference trace 2023, replayed with a speed-up) or a synthetic profile. Past its end the
 * profile plays backwards, then forwards again (ping-pong), so a long scenario has no jump.
 */
public final class ArrivalTrace {

    /** Where the trace lives relative to the repository: {@code ../shared/data/azure-llm-2023}. */
    public static final Path DEFAULT_DIR = Path.of("..", "shared", "data", "azure-llm-2023");

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSSS][.SSSSSS][.SSS]");

    private final double[] perSecond;
    private final String description;

    private ArrivalTrace(double[] perSecond, String description) {
        if (perSecond.length == 0) {
            throw new IllegalArgumentException("an arrival profile needs at least one second");
        }
        this.perSecond = perSecond;
        this.description = description;
    }

    /**
     * Loads {@code AzureLLMInferenceTrace_<service>.csv} ({@code service} is {@code conv} or {@code
     * code}) from {@code dir}. With speed-up {@code x}, {@code x} trace seconds pass per simulated
     * second, so the rate is {@code x} times the trace's; every rate is also multiplied by {@code
     * scale} (the simulated deployment serves {@code scale} such services).
     */
    public static ArrivalTrace azure(Path dir, String service, double speedup, double scale) {
        if (!(speedup > 0) || !(scale > 0)) {
            throw new IllegalArgumentException("speedup and scale must be > 0");
        }
        Path file = dir.resolve("AzureLLMInferenceTrace_" + service + ".csv");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    "arrival trace not found: "
                            + file.toAbsolutePath().normalize()
                            + " (the Azure LLM inference trace 2023; give its directory with"
                            + " --trace DIR, default "
                            + DEFAULT_DIR
                            + " relative to the repository)");
        }
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (header == null || !header.startsWith("TIMESTAMP")) {
                throw new IllegalArgumentException(
                        file + ": expected a header TIMESTAMP,ContextTokens,GeneratedTokens");
            }
            double first = Double.NaN;
            double[] counts = new double[4096];
            int seconds = 0;
            String line;
            int row = 1;
            while ((line = in.readLine()) != null) {
                row++;
                if (line.isBlank()) {
                    continue;
                }
                int comma = line.indexOf(',');
                String ts = comma < 0 ? line : line.substring(0, comma);
                double t;
                try {
                    LocalDateTime time = LocalDateTime.parse(ts.trim(), TIMESTAMP);
                    t = time.toEpochSecond(ZoneOffset.UTC) + time.getNano() / 1e9;
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException(
                            file + " row " + row + ": bad timestamp '" + ts + "'", e);
                }
                if (Double.isNaN(first)) {
                    first = t;
                }
                int s = (int) Math.floor((t - first) / speedup);
                if (s < 0) {
                    throw new IllegalArgumentException(file + " row " + row + ": not sorted");
                }
                if (s >= counts.length) {
                    double[] grown = new double[Math.max(2 * counts.length, s + 1)];
                    System.arraycopy(counts, 0, grown, 0, counts.length);
                    counts = grown;
                }
                counts[s] += scale;
                seconds = Math.max(seconds, s + 1);
            }
            return new ArrivalTrace(
                    smooth(counts, seconds, SMOOTHING_SECONDS),
                    String.format(
                            java.util.Locale.ROOT,
                            "Azure LLM trace %s x%.3g speed-up, x%.3g volume (%d s)",
                            service,
                            speedup,
                            scale,
                            seconds));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * A synthetic profile: {@code mean} arrivals/s with a slow sinusoidal swing of {@code swing} (a
     * fraction of the mean) over {@code periodSeconds}, for {@code seconds} seconds.
     */
    public static ArrivalTrace synthetic(
            int seconds, double mean, double swing, int periodSeconds) {
        if (seconds < 1 || !(mean > 0) || !(swing >= 0 && swing < 1) || periodSeconds < 1) {
            throw new IllegalArgumentException("bad synthetic profile");
        }
        double[] rates = new double[seconds];
        for (int s = 0; s < seconds; s++) {
            rates[s] = mean * (1 + swing * Math.sin(2 * Math.PI * s / periodSeconds));
        }
        return new ArrivalTrace(
                rates,
                String.format(
                        java.util.Locale.ROOT,
                        "synthetic %.3g/s +-%.0f%% over %d s",
                        mean,
                        100 * swing,
                        periodSeconds));
    }

    /**
     * The trace's counts per second, smoothed by a centred moving average of this many simulated
     * seconds, are the intensity the twin draws Poisson arrivals from (a raw count times a volume
     * scale would multiply the noise by the scale).
     */
    static final int SMOOTHING_SECONDS = 10;

    private static double[] smooth(double[] counts, int n, int window) {
        double[] out = new double[n];
        int half = window / 2;
        double sum = 0;
        int lo = 0;
        int hi = -1;
        for (int i = 0; i < n; i++) {
            while (hi < Math.min(n - 1, i + half)) {
                sum += counts[++hi];
            }
            while (lo < i - half) {
                sum -= counts[lo++];
            }
            out[i] = sum / (hi - lo + 1);
        }
        return out;
    }

    /** Arrivals in simulated second {@code s} (ping-pong past the end). */
    public double rate(long s) {
        int n = perSecond.length;
        if (n == 1) {
            return perSecond[0];
        }
        long period = 2L * n;
        int i = (int) Math.floorMod(s, period);
        return i < n ? perSecond[i] : perSecond[(int) (period - 1 - i)];
    }

    public int lengthSeconds() {
        return perSecond.length;
    }

    public String description() {
        return description;
    }
}
