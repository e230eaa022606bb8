package io.hormesis.stats.watch;

import io.hormesis.stats.StateBytes;
import io.hormesis.stats.anomaly.TailProbabilityScorer;
import io.hormesis.stats.change.Adwin;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything WATCH does for one key (a model version on a deployment) per inference event, in plain
 * Java: each watched metric (end-to-end latency, time to first token) gets a calibrated anomaly
 * score from its own {@link TailProbabilityScorer}, and a firing opens an <i>episode</i>: the first
 * firing of an episode is reported as an {@link Alarm} with its evidence, later firings within
 * {@code episodeGap} observations of the previous one only extend it, so a sustained regression is
 * one alarm, not one per refractory period.
 *
 * <p>The Flink operator in {@code jobs/} holds one instance per key in keyed state; the state is
 * written with {@link #writeTo} (no Kryo), and a restored instance continues exactly.
 */
public final class KeyWatch {
    /** The metrics, in the order {@link #observe} takes them, then the error rate. */
    public static final List<String> METRICS = List.of("latency_ms", "ttft_ms");

    public static final String ERROR_RATE = "error_rate";

    /** Detector names, as signals carry them. */
    public static final String TAIL_DETECTOR = "tail-probability";

    public static final String ERROR_DETECTOR = "adwin";

    private static final int FORMAT = 2;

    /** Settings shared by every key. */
    public record Settings(
            TailProbabilityScorer.Settings scorer, int episodeGap, int recent, double errorDelta)
            implements java.io.Serializable {
        public Settings {
            if (scorer == null) {
                throw new IllegalArgumentException("scorer settings are required");
            }
            if (episodeGap < 1 || recent < 1) {
                throw new IllegalArgumentException(
                        "episodeGap and recent must be >= 1, got " + episodeGap + ", " + recent);
            }
            if (!(errorDelta > 0 && errorDelta < 1)) {
                throw new IllegalArgumentException(
                        "errorDelta must be in (0, 1), got " + errorDelta);
            }
        }

        /**
         * The NAB-measured scorer with a firing threshold of {@code fireP} (WATCH sees thousands of
         * observations per key an hour, so it needs a far stricter threshold than one series of
         * 5-minute points), episodes ending after twice the refractory period without a firing, and
         * the last {@code scorer.window()} request ids kept as evidence.
         */
        public static Settings withFireP(double fireP) {
            TailProbabilityScorer.Settings d = TailProbabilityScorer.Settings.defaults();
            TailProbabilityScorer.Settings s =
                    new TailProbabilityScorer.Settings(
                            d.referenceSize(),
                            d.referenceStride(),
                            d.window(),
                            d.learn(),
                            d.refractory(),
                            fireP,
                            d.profileBins(),
                            d.profileAlpha(),
                            d.pointMultiplicity());
            return new Settings(s, 2 * s.refractory(), s.window(), fireP);
        }
    }

    /**
     * The first firing of an episode on one metric: the observation, its score, the detector and
     * statistic that fired against which threshold, the baseline it was judged against, and the
     * window of recent requests (their first event time, their count and their ids, newest last)
     * that the evidence covers.
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

    private final Settings settings;
    private final TailProbabilityScorer[] scorers;
    private final long[] observed;
    private final long[] lastFiring;
    private Adwin errors;
    private long requests;
    private long lastErrorAlarm = Long.MIN_VALUE / 2;
    private final long[] recentTimes;
    private final String[] recentIds;
    private int recentHead;
    private int recentSize;

    public KeyWatch(Settings settings) {
        this.settings = settings;
        this.scorers = new TailProbabilityScorer[METRICS.size()];
        for (int i = 0; i < scorers.length; i++) {
            scorers[i] = new TailProbabilityScorer(settings.scorer());
        }
        this.observed = new long[METRICS.size()];
        this.lastFiring = new long[METRICS.size()];
        java.util.Arrays.fill(lastFiring, Long.MIN_VALUE / 2);
        this.recentTimes = new long[settings.recent()];
        this.recentIds = new String[settings.recent()];
        this.errors = new Adwin(settings.errorDelta());
    }

    /**
     * Scores one inference event: its error indicator always, its latency and time to first token
     * when it succeeded and they are not NaN. Returns the alarms this event raised, usually none.
     */
    public List<Alarm> observe(
            long eventTimeMillis, boolean ok, double latencyMs, double ttftMs, String id) {
        recentTimes[recentHead] = eventTimeMillis;
        recentIds[recentHead] = id;
        recentHead = (recentHead + 1) % recentTimes.length;
        recentSize = Math.min(recentSize + 1, recentTimes.length);
        List<Alarm> alarms = null;
        Alarm errorAlarm = error(eventTimeMillis, ok);
        if (errorAlarm != null) {
            alarms = new ArrayList<>(2);
            alarms.add(errorAlarm);
        }
        for (int m = 0; ok && m < scorers.length; m++) {
            double value = m == 0 ? latencyMs : ttftMs;
            if (Double.isNaN(value)) {
                continue;
            }
            Alarm alarm = score(m, eventTimeMillis, value);
            if (alarm != null) {
                if (alarms == null) {
                    alarms = new ArrayList<>(2);
                }
                alarms.add(alarm);
            }
        }
        return alarms == null ? List.of() : alarms;
    }

    /** An error-rate increase: ADWIN dropped an older part of its window with a lower mean. */
    private Alarm error(long eventTimeMillis, boolean ok) {
        double x = ok ? 0.0 : 1.0;
        double totalBefore = errors.total() + x;
        int widthBefore = errors.width() + 1;
        long n = ++requests;
        if (!errors.update(x)) {
            return null;
        }
        int droppedWidth = widthBefore - errors.width();
        double dropped = (totalBefore - errors.total()) / droppedWidth;
        double recent = errors.mean();
        if (!(recent > dropped)) {
            return null; // errors fell: good news is not a signal
        }
        boolean newEpisode = n - lastErrorAlarm > settings.episodeGap();
        lastErrorAlarm = n;
        if (!newEpisode) {
            return null;
        }
        Map<String, Double> baseline = new LinkedHashMap<>();
        baseline.put("level", dropped);
        baseline.put("count", (double) droppedWidth);
        baseline.put("recent_count", (double) errors.width());
        return alarm(
                ERROR_RATE,
                ERROR_DETECTOR,
                eventTimeMillis,
                recent,
                1 - settings.errorDelta(),
                "adwin_cut_delta",
                settings.errorDelta(),
                settings.errorDelta(),
                baseline);
    }

    private Alarm score(int m, long eventTimeMillis, double value) {
        TailProbabilityScorer scorer = scorers[m];
        double score = scorer.score(eventTimeMillis, value);
        long n = ++observed[m];
        if (score < scorer.firingScore()) {
            return null;
        }
        boolean newEpisode = n - lastFiring[m] > settings.episodeGap();
        lastFiring[m] = n;
        if (!newEpisode) {
            return null;
        }
        TailProbabilityScorer.Finding f = scorer.lastFinding();
        Map<String, Double> baseline = new LinkedHashMap<>();
        baseline.put("level", f.median());
        baseline.put("q05", f.q05());
        baseline.put("q95", f.q95());
        baseline.put("expected", f.expected());
        baseline.put("count", (double) f.referenceSize());
        return alarm(
                METRICS.get(m),
                TAIL_DETECTOR,
                eventTimeMillis,
                value,
                score,
                f.test() + "_tail_p",
                f.pValue(),
                f.threshold(),
                baseline);
    }

    private Alarm alarm(
            String metric,
            String detector,
            long eventTimeMillis,
            double value,
            double score,
            String statistic,
            double statisticValue,
            double threshold,
            Map<String, Double> baseline) {
        int count = recentSize;
        int oldest = (recentHead - count + recentTimes.length) % recentTimes.length;
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = recentIds[(oldest + i) % recentIds.length];
            ids.add(id == null ? "" : id);
        }
        return new Alarm(
                metric,
                detector,
                eventTimeMillis,
                value,
                score,
                statistic,
                statisticValue,
                threshold,
                java.util.Collections.unmodifiableMap(baseline),
                recentTimes[oldest],
                count,
                List.copyOf(ids));
    }

    public Settings settings() {
        return settings;
    }

    /** Writes the whole state, settings included. */
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(FORMAT);
        out.writeInt(settings.episodeGap());
        out.writeInt(settings.recent());
        out.writeDouble(settings.errorDelta());
        errors.writeTo(out);
        out.writeLong(requests);
        out.writeLong(lastErrorAlarm);
        for (int m = 0; m < scorers.length; m++) {
            scorers[m].writeTo(out);
            out.writeLong(observed[m]);
            out.writeLong(lastFiring[m]);
        }
        out.writeInt(recentHead);
        out.writeInt(recentSize);
        for (int i = 0; i < recentTimes.length; i++) {
            out.writeLong(recentTimes[i]);
            out.writeBoolean(recentIds[i] != null);
            if (recentIds[i] != null) {
                out.writeUTF(recentIds[i]);
            }
        }
    }

    public static KeyWatch readFrom(DataInput in) throws IOException {
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("unknown KeyWatch state format " + format);
        }
        int episodeGap = in.readInt();
        int recent = in.readInt();
        double errorDelta = in.readDouble();
        Adwin errors = Adwin.readFrom(in);
        long requests = in.readLong();
        long lastErrorAlarm = in.readLong();
        TailProbabilityScorer[] scorers = new TailProbabilityScorer[METRICS.size()];
        long[] observed = new long[scorers.length];
        long[] lastFiring = new long[scorers.length];
        for (int m = 0; m < scorers.length; m++) {
            scorers[m] = TailProbabilityScorer.readFrom(in);
            observed[m] = in.readLong();
            lastFiring[m] = in.readLong();
        }
        KeyWatch watch =
                new KeyWatch(new Settings(scorers[0].settings(), episodeGap, recent, errorDelta));
        watch.errors = errors;
        watch.requests = requests;
        watch.lastErrorAlarm = lastErrorAlarm;
        System.arraycopy(scorers, 0, watch.scorers, 0, scorers.length);
        System.arraycopy(observed, 0, watch.observed, 0, scorers.length);
        System.arraycopy(lastFiring, 0, watch.lastFiring, 0, scorers.length);
        watch.recentHead = in.readInt();
        watch.recentSize = in.readInt();
        for (int i = 0; i < recent; i++) {
            watch.recentTimes[i] = in.readLong();
            watch.recentIds[i] = in.readBoolean() ? in.readUTF() : null;
        }
        return watch;
    }

    public byte[] toBytes() {
        return StateBytes.write(this::writeTo, 8192);
    }

    public static KeyWatch fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, KeyWatch::readFrom);
    }
}
