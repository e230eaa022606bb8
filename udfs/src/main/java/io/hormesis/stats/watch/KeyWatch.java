package io.hormesis.stats.watch;

import org.apache.commons.statistics.distribution.BinomialDistribution;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything WATCH does for one key (a model version on a deployment), in plain Java, on interval
 * aggregates rather than on each request: requests are counted into {@link IntervalStats} (an O(1)
 * histogram update each), and each closed <i>window</i> (one interval of event time, or several
 * while the key has fewer than {@code minWindowRequests} requests) is judged against the key's
 * reference:
 *
 * <ul>
 *   <li>latency and time to first token: how many of the window's requests lie above the
 *       reference's 95th percentile. Under the reference each does so with probability p0 (about 5
 *       %), so the count is Binomial(n, p0) and its upper tail probability is exact; the window
 *       fires when that probability is at most {@code fireP} and at least {@code minExceedFraction}
 *       of the window lies above (its median is above the reference's 95th percentile, so a large
 *       key cannot fire on a trivial shift);
 *   <li>error rate: the window's failures against the reference failure rate, the same binomial
 *       tail, firing when it is at most {@code fireP} and the rate at least doubled and rose by
 *       {@code minErrorIncrease}.
 * </ul>
 *
 * Each window is learned into the reference after it is judged: a histogram in fixed log buckets
 * whose weights decay so it remembers about the last {@code referenceRequests} requests or the last
 * {@code referenceWindows} windows, whichever is longer. A firing opens an <i>episode</i>: only its
 * first window is an {@link Alarm}, later firings within {@code episodeGap} windows extend it.
 * Every {@code baselineIntervalMillis} of event time the baselines are reported as {@link
 * Baseline}s.
 *
 * <p>The Flink operator in {@code jobs/} holds one instance per key in keyed state, written with
 * {@link #writeTo} (no Kryo); a restored instance continues exactly.
 */
public final class KeyWatch {
    /** The histogram metrics, in {@link IntervalStats#histogram} order. */
    public static final List<String> METRICS = List.of("latency_ms", "ttft_ms");

    public static final String ERROR_RATE = "error_rate";

    /** Detector names, as signals carry them. */
    public static final String EXCEEDANCE_DETECTOR = "interval-exceedance";

    public static final String ERROR_DETECTOR = "interval-error-rate";

    /** The statistic of both detectors: the binomial upper tail probability of the window. */
    public static final String STATISTIC = "binomial_tail_p";

    private static final int FORMAT = 3;
    private static final int SIGNALS = METRICS.size() + 1;
    private static final double DROP_WEIGHT = 1e-3;

    /** Settings shared by every key. */
    public record Settings(
            long intervalMillis,
            int minWindowRequests,
            int maxWindowIntervals,
            int referenceRequests,
            int referenceWindows,
            int minReference,
            double quantile,
            double minExceedFraction,
            double fireP,
            double minErrorIncrease,
            int episodeGap,
            int idCap,
            long baselineIntervalMillis)
            implements java.io.Serializable {
        public Settings {
            if (intervalMillis < 1 || baselineIntervalMillis < 1) {
                throw new IllegalArgumentException(
                        "intervalMillis and baselineIntervalMillis must be >= 1");
            }
            if (minWindowRequests < 1 || maxWindowIntervals < 1 || episodeGap < 1) {
                throw new IllegalArgumentException(
                        "minWindowRequests, maxWindowIntervals and episodeGap must be >= 1");
            }
            if (referenceRequests < 1 || referenceWindows < 1 || minReference < 1 || idCap < 0) {
                throw new IllegalArgumentException(
                        "referenceRequests, referenceWindows, minReference must be >= 1, idCap"
                                + " >= 0");
            }
            if (!(quantile > 0 && quantile < 1) || !(minExceedFraction > 0)) {
                throw new IllegalArgumentException(
                        "need 0 < quantile < 1 and minExceedFraction > 0, got "
                                + quantile
                                + ", "
                                + minExceedFraction);
            }
            if (!(fireP > 0 && fireP < 1)) {
                throw new IllegalArgumentException("fireP must be in (0, 1), got " + fireP);
            }
            if (!(minErrorIncrease >= 0 && minErrorIncrease < 1)) {
                throw new IllegalArgumentException(
                        "minErrorIncrease must be in [0, 1), got " + minErrorIncrease);
            }
        }

        /**
         * Windows of one {@code intervalMillis} interval (more while a key has fewer than 10
         * requests, at most 6 intervals), a reference of about the last 2,000 requests or 30
         * windows learned from at least 200 requests before judging, firing at binomial tail
         * probability {@code fireP} with half the window above the reference's 95th percentile (or
         * the error rate doubled and up by 1 point), episodes ending after 6 quiet windows, 32
         * request ids of evidence, baselines every {@code baselineIntervalMillis}.
         */
        public static Settings of(double fireP, long intervalMillis, long baselineIntervalMillis) {
            return new Settings(
                    intervalMillis,
                    10,
                    6,
                    2_000,
                    30,
                    200,
                    0.95,
                    0.5,
                    fireP,
                    0.01,
                    6,
                    32,
                    baselineIntervalMillis);
        }

        /** {@link #of} with 10-second intervals and 60-second baselines. */
        public static Settings withFireP(double fireP) {
            return of(fireP, 10_000, 60_000);
        }
    }

    /**
     * The first firing window of an episode on one signal: the window's median (or error rate), its
     * score 1 - p, the detector and statistic that fired against which threshold, the baseline it
     * was judged against, and the window itself (first and last request time, request count and the
     * first {@code idCap} request ids).
     */
    public record Alarm(
            String metric,
            String detector,
            long eventTimeMillis,
            double value,
            double score,
            String statistic,
            double statisticValue,
            double threshold,
            Map<String, Double> baseline,
            long windowStartMillis,
            int windowCount,
            List<String> sourceIds) {}

    /** A snapshot of one signal's baseline at a window's end. */
    public record Baseline(
            String metric,
            long eventTimeMillis,
            long count,
            double level,
            double spread,
            double lastScore,
            Map<String, Double> statistics) {}

    /** Receives what closing a window produces. */
    public interface Listener {
        void alarm(Alarm alarm);

        void baseline(Baseline baseline);
    }

    private final Settings settings;
    private final LogHistogram[] references;
    private final long[] learned;
    private final double[] lastScore;
    private final long[] lastFiring;
    private double referenceRequests;
    private double referenceErrors;
    private long windows;
    private long baselineSlot = Long.MIN_VALUE;
    private IntervalStats window;
    private long windowLastInterval;

    public KeyWatch(Settings settings) {
        this.settings = settings;
        this.references = new LogHistogram[METRICS.size()];
        for (int m = 0; m < references.length; m++) {
            references[m] = new LogHistogram();
        }
        this.learned = new long[SIGNALS];
        this.lastScore = new double[SIGNALS];
        this.lastFiring = new long[SIGNALS];
        Arrays.fill(lastFiring, Long.MIN_VALUE / 2);
    }

    public Settings settings() {
        return settings;
    }

    /** Start of the interval an event time falls in. */
    public static long intervalOf(long eventMillis, long intervalMillis) {
        return Math.floorDiv(eventMillis, intervalMillis) * intervalMillis;
    }

    /**
     * Adds a (partial) aggregate of one interval. One of a later interval first closes the open
     * window when that holds {@code minWindowRequests} or spans {@code maxWindowIntervals}; one of
     * the open window's interval or an earlier one (late) is merged into it.
     */
    public void add(IntervalStats partial, Listener listener) {
        if (window != null && partial.intervalStart() > windowLastInterval) {
            boolean full = window.requests() >= settings.minWindowRequests();
            boolean wide =
                    partial.intervalStart()
                            >= window.intervalStart()
                                    + settings.maxWindowIntervals() * settings.intervalMillis();
            if (full || wide) {
                close(listener);
            }
        }
        if (window == null) {
            window = new IntervalStats(partial.intervalStart(), settings.idCap());
            windowLastInterval = partial.intervalStart();
        }
        window.merge(partial);
        windowLastInterval = Math.max(windowLastInterval, partial.intervalStart());
    }

    /**
     * Event time at which the open window closes when no later data comes first (at the end of its
     * last interval once it holds enough requests, else at its widest), Long.MAX_VALUE when none.
     */
    public long closeDeadline() {
        if (window == null) {
            return Long.MAX_VALUE;
        }
        if (window.requests() >= settings.minWindowRequests()) {
            return windowLastInterval + settings.intervalMillis();
        }
        return window.intervalStart() + settings.maxWindowIntervals() * settings.intervalMillis();
    }

    /** Closes the open window if event time (a watermark) has passed its deadline. */
    public void advanceTo(long eventMillis, Listener listener) {
        if (window != null && eventMillis >= closeDeadline()) {
            close(listener);
        }
    }

    /** Requests in the open window (0 when none is open). */
    public long openRequests() {
        return window == null ? 0 : window.requests();
    }

    private void close(Listener listener) {
        IntervalStats w = window;
        window = null;
        long index = ++windows;
        for (int m = 0; m < references.length; m++) {
            LogHistogram h = w.histogram(m);
            double n = h.total();
            LogHistogram ref = references[m];
            if (n > 0 && ref.total() >= settings.minReference()) {
                int bucket = ref.quantileBucket(settings.quantile());
                double p0 = (ref.weightAbove(bucket) + 1) / (ref.total() + 1);
                double above = h.weightAbove(bucket);
                double p = upperTail((long) n, p0, (long) above);
                lastScore[m] = 1 - p;
                boolean fires = p <= settings.fireP() && above >= settings.minExceedFraction() * n;
                if (fires && newEpisode(m, index)) {
                    Map<String, Double> baseline = new LinkedHashMap<>();
                    baseline.put("level", ref.quantile(0.5));
                    baseline.put("q05", ref.quantile(0.05));
                    baseline.put("q95", ref.quantile(0.95));
                    baseline.put("threshold_value", LogHistogram.upperEdge(bucket));
                    baseline.put("expected_fraction_above", p0);
                    baseline.put("window_fraction_above", above / n);
                    baseline.put("window_p95", h.quantile(0.95));
                    baseline.put("count", ref.total());
                    listener.alarm(
                            alarm(
                                    METRICS.get(m),
                                    EXCEEDANCE_DETECTOR,
                                    w,
                                    h.quantile(0.5),
                                    p,
                                    baseline));
                }
            } else if (n > 0) {
                lastScore[m] = 0;
            }
            double retention = retention(n);
            ref.decay(retention, DROP_WEIGHT);
            ref.add(h, 1.0);
            learned[m] += (long) n;
        }
        errorRate(w, index, listener);
        long slot = Math.floorDiv(w.lastMillis(), settings.baselineIntervalMillis());
        if (slot != baselineSlot) {
            baselineSlot = slot;
            baselines(w, listener);
        }
    }

    private void errorRate(IntervalStats w, long index, Listener listener) {
        long n = w.requests();
        long e = w.errors();
        int s = METRICS.size();
        if (n > 0 && referenceRequests >= settings.minReference()) {
            double r0 = (referenceErrors + 1) / (referenceRequests + 2);
            double p = e == 0 ? 1.0 : upperTail(n, r0, e);
            double rate = (double) e / n;
            lastScore[s] = 1 - p;
            boolean fires =
                    p <= settings.fireP()
                            && rate >= 2 * r0
                            && rate - r0 >= settings.minErrorIncrease();
            if (fires && newEpisode(s, index)) {
                Map<String, Double> baseline = new LinkedHashMap<>();
                baseline.put("level", referenceErrors / referenceRequests);
                baseline.put("expected", r0);
                baseline.put("window_errors", (double) e);
                baseline.put("count", referenceRequests);
                listener.alarm(alarm(ERROR_RATE, ERROR_DETECTOR, w, rate, p, baseline));
            }
        } else if (n > 0) {
            lastScore[s] = 0;
        }
        double retention = retention(n);
        referenceRequests = referenceRequests * retention + n;
        referenceErrors = referenceErrors * retention + e;
        learned[s] += n;
    }

    /**
     * How much of the reference a window of n requests keeps: the slower of the two forgettings.
     */
    private double retention(double n) {
        return Math.exp(
                -Math.min(n / settings.referenceRequests(), 1.0 / settings.referenceWindows()));
    }

    private boolean newEpisode(int signal, long index) {
        boolean fresh = index - lastFiring[signal] > settings.episodeGap();
        lastFiring[signal] = index;
        return fresh;
    }

    /** P(X >= k) for X ~ Binomial(n, p). */
    static double upperTail(long n, double p, long k) {
        if (k <= 0) {
            return 1.0;
        }
        if (k > n) {
            return 0.0;
        }
        int trials = (int) Math.min(n, Integer.MAX_VALUE);
        return BinomialDistribution.of(trials, Math.min(1.0, p))
                .survivalProbability((int) Math.min(k - 1, Integer.MAX_VALUE));
    }

    private Alarm alarm(
            String metric,
            String detector,
            IntervalStats w,
            double value,
            double p,
            Map<String, Double> baseline) {
        return new Alarm(
                metric,
                detector,
                w.lastMillis(),
                value,
                1 - p,
                STATISTIC,
                p,
                settings.fireP(),
                Collections.unmodifiableMap(baseline),
                w.firstMillis(),
                (int) Math.min(Integer.MAX_VALUE, w.requests()),
                w.ids());
    }

    private void baselines(IntervalStats w, Listener listener) {
        double seconds = Math.max(1, w.lastMillis() - w.firstMillis() + 1) / 1000.0;
        for (int m = 0; m < references.length; m++) {
            LogHistogram ref = references[m];
            if (ref.total() == 0) {
                continue;
            }
            Map<String, Double> stats = new LinkedHashMap<>();
            double q25 = ref.quantile(0.25);
            double q75 = ref.quantile(0.75);
            stats.put("q05", ref.quantile(0.05));
            stats.put("q25", q25);
            stats.put("q75", q75);
            stats.put("q95", ref.quantile(0.95));
            stats.put("q99", ref.quantile(0.99));
            stats.put("reference_weight", ref.total());
            stats.put("buckets", (double) ref.buckets());
            stats.put("window_requests", (double) w.requests());
            stats.put("request_rate", w.requests() / seconds);
            listener.baseline(
                    new Baseline(
                            METRICS.get(m),
                            w.lastMillis(),
                            learned[m],
                            ref.quantile(0.5),
                            (q75 - q25) / 1.349,
                            lastScore[m],
                            Collections.unmodifiableMap(stats)));
        }
        int s = METRICS.size();
        if (referenceRequests > 0) {
            double level = referenceErrors / referenceRequests;
            Map<String, Double> stats = new LinkedHashMap<>();
            stats.put("reference_requests", referenceRequests);
            stats.put("reference_errors", referenceErrors);
            stats.put("window_requests", (double) w.requests());
            stats.put("window_errors", (double) w.errors());
            stats.put("request_rate", w.requests() / seconds);
            listener.baseline(
                    new Baseline(
                            ERROR_RATE,
                            w.lastMillis(),
                            learned[s],
                            level,
                            Math.sqrt(level * (1 - level)),
                            lastScore[s],
                            Collections.unmodifiableMap(stats)));
        }
    }

    /** Writes the whole state, settings included. */
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(FORMAT);
        Settings s = settings;
        out.writeLong(s.intervalMillis());
        out.writeInt(s.minWindowRequests());
        out.writeInt(s.maxWindowIntervals());
        out.writeInt(s.referenceRequests());
        out.writeInt(s.referenceWindows());
        out.writeInt(s.minReference());
        out.writeDouble(s.quantile());
        out.writeDouble(s.minExceedFraction());
        out.writeDouble(s.fireP());
        out.writeDouble(s.minErrorIncrease());
        out.writeInt(s.episodeGap());
        out.writeInt(s.idCap());
        out.writeLong(s.baselineIntervalMillis());
        for (LogHistogram ref : references) {
            ref.writeTo(out);
        }
        for (int i = 0; i < SIGNALS; i++) {
            out.writeLong(learned[i]);
            out.writeDouble(lastScore[i]);
            out.writeLong(lastFiring[i]);
        }
        out.writeDouble(referenceRequests);
        out.writeDouble(referenceErrors);
        out.writeLong(windows);
        out.writeLong(baselineSlot);
        out.writeBoolean(window != null);
        if (window != null) {
            window.writeTo(out);
            out.writeLong(windowLastInterval);
        }
    }

    public static KeyWatch readFrom(DataInput in) throws IOException {
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("unknown KeyWatch state format " + format);
        }
        Settings s =
                new Settings(
                        in.readLong(),
                        in.readInt(),
                        in.readInt(),
                        in.readInt(),
                        in.readInt(),
                        in.readInt(),
                        in.readDouble(),
                        in.readDouble(),
                        in.readDouble(),
                        in.readDouble(),
                        in.readInt(),
                        in.readInt(),
                        in.readLong());
        KeyWatch w = new KeyWatch(s);
        for (int m = 0; m < w.references.length; m++) {
            w.references[m] = LogHistogram.readFrom(in);
        }
        for (int i = 0; i < SIGNALS; i++) {
            w.learned[i] = in.readLong();
            w.lastScore[i] = in.readDouble();
            w.lastFiring[i] = in.readLong();
        }
        w.referenceRequests = in.readDouble();
        w.referenceErrors = in.readDouble();
        w.windows = in.readLong();
        w.baselineSlot = in.readLong();
        if (in.readBoolean()) {
            w.window = IntervalStats.readFrom(in);
            w.windowLastInterval = in.readLong();
        }
        return w;
    }

    public byte[] toBytes() {
        return io.hormesis.stats.StateBytes.write(this::writeTo, 4096);
    }

    public static KeyWatch fromBytes(byte[] bytes) {
        return io.hormesis.stats.StateBytes.read(bytes, KeyWatch::readFrom);
    }

    /** Bytes {@link #writeTo} writes (asserted small in tests). */
    public int stateBytes() {
        return toBytes().length;
    }
}
