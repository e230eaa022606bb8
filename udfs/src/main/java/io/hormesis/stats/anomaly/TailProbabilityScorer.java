package io.hormesis.stats.anomaly;

import io.hormesis.stats.StateBytes;
import org.apache.commons.statistics.distribution.BinomialDistribution;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * Scores each observation by how improbable it is under the series' own recent behaviour, with
 * distribution-free tail tests, so one threshold works across series of any scale or shape.
 *
 * <p>Per observation: a time-of-day profile (EWMA per bin) removes the daily cycle. The profile
 * learns robustly: a step towards the new value is clipped to {@code profileClip} times the
 * residuals' interquartile range, so one spike does not lift its bin for weeks (a bin with an EWMA
 * weight of 0.035 remembers a spike for about 29 of its points, 10 days of 5-minute data, and every
 * later point of that bin would then look like a dip). The weight is low because a bin learns only
 * from its own slot of each day: at 0.035 the profile's own estimation noise, which every change
 * across a bin boundary carries into the jump and volatility tests, is 1.8 % of the residual
 * variance ({@code alpha / (2 - alpha)}), against 2.6 % at 0.05. Four tests then run on the
 * residual, each giving a tail probability against a reference of recent values ({@link
 * WindowReference}): <b>point</b> (the residual, and the raw value, two-sided: spikes and new
 * extremes), <b>jump</b> (|change of residual|, upper tail: steps), <b>volatility</b> (whether the
 * median |change| of the last {@code window} observations is in either tail, via the binomial
 * probability that half the window landed there: noise bursts and flat-lines) and <b>level</b> (the
 * mean residual over the last {@code levelWindow}, {@code 4 levelWindow}, ... observations, {@code
 * levelScales} time scales, each two-sided against the series' own past means of that span,
 * Bonferroni-corrected over the scales: level shifts and slow drifts too small for any single point
 * to stand out). Single-observation tests count {@code pointMultiplicity} times as often, since an
 * isolated extreme is commoner than a sustained change. The smallest probability, Bonferroni
 * corrected, gives the score {@code 1 - p}. After an observation with {@code p <= fireP}, the next
 * {@code refractory} observations score 0, so one episode is reported once.
 */
public final class TailProbabilityScorer implements AnomalyScorer {

    /** Parameters, with the defaults measured on the NAB corpus (see udfs/README.md). */
    public record Settings(
            int referenceSize,
            int referenceStride,
            int window,
            int learn,
            int refractory,
            double fireP,
            int profileBins,
            double profileAlpha,
            double pointMultiplicity,
            double profileClip,
            int levelWindow,
            int levelScales)
            implements java.io.Serializable {
        public Settings {
            if (referenceSize < 20 || referenceStride < 1 || window < 3 || learn < window) {
                throw new IllegalArgumentException(
                        "need referenceSize >= 20, referenceStride >= 1, window >= 3, learn >="
                                + " window");
            }
            if (refractory < 0 || !(fireP > 0 && fireP < 1)) {
                throw new IllegalArgumentException("need refractory >= 0 and 0 < fireP < 1");
            }
            if (profileBins < 1 || !(profileAlpha > 0 && profileAlpha <= 1)) {
                throw new IllegalArgumentException("need profileBins >= 1, 0 < profileAlpha <= 1");
            }
            if (!(pointMultiplicity >= 1)) {
                throw new IllegalArgumentException("pointMultiplicity must be >= 1");
            }
            if (!(profileClip >= 0) || Double.isInfinite(profileClip)) {
                throw new IllegalArgumentException(
                        "profileClip must be finite and >= 0 (0: no clipping)");
            }
            if (levelWindow < 0 || levelScales < 0 || levelScales > 4) {
                throw new IllegalArgumentException(
                        "need levelWindow >= 0 and 0 <= levelScales <= 4 (0: no level test)");
            }
            if (levelScales > 0 && levelWindow < 2) {
                throw new IllegalArgumentException("a level test needs levelWindow >= 2");
            }
        }

        /**
         * Settings without the robust profile and without the level test, as before they existed.
         * WATCH's {@code KeyWatch} builds its scorers this way: it fires at {@code p <= 1e-6}, and
         * a level reference holds only some 40 independent means, too few to extrapolate that far
         * into the tail (a quiet latency series gave a level p of 2e-7).
         */
        public Settings(
                int referenceSize,
                int referenceStride,
                int window,
                int learn,
                int refractory,
                double fireP,
                int profileBins,
                double profileAlpha,
                double pointMultiplicity) {
            this(
                    referenceSize,
                    referenceStride,
                    window,
                    learn,
                    refractory,
                    fireP,
                    profileBins,
                    profileAlpha,
                    pointMultiplicity,
                    0,
                    DEFAULT_LEVEL_WINDOW,
                    0);
        }

        public static Settings defaults() {
            return new Settings(
                    1500,
                    1,
                    9,
                    300,
                    100,
                    1e-3,
                    96,
                    0.035,
                    3.0,
                    DEFAULT_PROFILE_CLIP,
                    DEFAULT_LEVEL_WINDOW,
                    DEFAULT_LEVEL_SCALES);
        }

        /** The longest span the level test averages over. */
        int longestLevelSpan() {
            int span = levelScales == 0 ? 0 : levelWindow;
            for (int k = 1; k < levelScales; k++) {
                span *= LEVEL_SCALE_FACTOR;
            }
            return span;
        }
    }

    /** Bonferroni factor: point, raw point, jump, volatility, and level when it runs. */
    private static int tests(Settings settings) {
        return settings.levelScales() > 0 ? 5 : 4;
    }

    private static final double DEFAULT_PROFILE_CLIP = 10.0;
    private static final int DEFAULT_LEVEL_WINDOW = 36;
    private static final int DEFAULT_LEVEL_SCALES = 2;

    /** Each level time scale averages this many times as many observations as the one before. */
    private static final int LEVEL_SCALE_FACTOR = 4;

    /** A level reference keeps every (span / this)-th mean: overlapping means are near copies. */
    private static final int LEVEL_KEEP_PER_SPAN = 9;

    /** Past means a level reference needs before its test runs. */
    private static final int LEVEL_MIN_REFERENCE = 100;

    /**
     * Why the last firing fired: which test, its Bonferroni-corrected tail probability against the
     * firing threshold, the observation, the seasonal profile's expectation, and the reference
     * window's 5 %, 50 % and 95 % quantiles of the raw values with the number of values behind
     * them.
     */
    public record Finding(
            String test,
            double pValue,
            double threshold,
            double value,
            double expected,
            double q05,
            double median,
            double q95,
            int referenceSize) {}

    private final Settings settings;
    private Finding lastFinding;
    private WindowReference residuals;
    private WindowReference values;
    private WindowReference changes;
    private WindowReference[] levels;
    private final double[] recentResiduals;
    private final double[] profile;
    private final long[] profileCount;
    private final double[] recentChanges;
    private final long binMillis;
    private int position;
    private long count;
    private double previousResidual = Double.NaN;
    private long quietUntil;

    public TailProbabilityScorer(Settings settings) {
        this.settings = settings;
        this.residuals = new WindowReference(settings.referenceSize(), settings.referenceStride());
        this.values = new WindowReference(settings.referenceSize(), settings.referenceStride());
        this.changes = new WindowReference(settings.referenceSize(), settings.referenceStride());
        this.profile = new double[settings.profileBins()];
        this.profileCount = new long[settings.profileBins()];
        this.recentChanges = new double[settings.window()];
        this.binMillis = 86_400_000L / settings.profileBins();
        this.recentResiduals = new double[settings.longestLevelSpan()];
        this.levels = new WindowReference[settings.levelScales()];
        for (int k = 0; k < levels.length; k++) {
            levels[k] = new WindowReference(levelCapacity(settings, k), levelStride(settings, k));
        }
    }

    /**
     * A level reference remembers as many observations as the point references do (so none of the
     * tests judges by an older regime than the others), and at least enough means to test.
     */
    private static int levelCapacity(Settings settings, int scale) {
        return Math.max(
                2 * LEVEL_MIN_REFERENCE, settings.referenceSize() / levelStride(settings, scale));
    }

    private static int levelStride(Settings settings, int scale) {
        int span = settings.levelWindow();
        for (int k = 0; k < scale; k++) {
            span *= LEVEL_SCALE_FACTOR;
        }
        return Math.max(1, span / LEVEL_KEEP_PER_SPAN);
    }

    @Override
    public double score(long timestampMillis, double value) {
        if (!Double.isFinite(value)) {
            return 0.0;
        }
        double residual = value - expected(timestampMillis, value);
        double change = Double.isNaN(previousResidual) ? 0 : Math.abs(residual - previousResidual);
        recentChanges[position] = change;
        position = (position + 1) % recentChanges.length;
        double level = level(residual);

        double p = 1.0;
        if (count >= settings.learn()) {
            // Two point tests (residual and raw value), Bonferroni-corrected against each other.
            double point =
                    2
                            * Math.min(residuals.twoSided(residual), values.twoSided(value))
                            * settings.pointMultiplicity();
            double jump = changes.upper(change) * settings.pointMultiplicity();
            double median = median(recentChanges);
            double volatility =
                    2
                            * Math.min(
                                    windowTail(changes.upper(median)),
                                    windowTail(changes.lower(median)));
            p =
                    Math.min(
                            1.0,
                            tests(settings)
                                    * Math.min(Math.min(point, jump), Math.min(volatility, level)));
            if (p <= settings.fireP() && count + 1 > settings.learn() && count + 1 >= quietUntil) {
                // About to fire: keep what a person needs to judge it, before learning from it.
                lastFinding =
                        new Finding(
                                testName(point, jump, volatility, level),
                                p,
                                settings.fireP(),
                                value,
                                value - residual,
                                values.quantile(0.05),
                                values.quantile(0.5),
                                values.quantile(0.95),
                                values.size());
            }
        }
        residuals.add(residual);
        values.add(value);
        if (!Double.isNaN(previousResidual)) {
            changes.add(change);
        }
        previousResidual = residual;
        count++;

        if (count <= settings.learn() || count < quietUntil) {
            return 0.0;
        }
        if (p <= settings.fireP()) {
            quietUntil = count + settings.refractory();
        }
        return 1.0 - p;
    }

    private static String testName(double point, double jump, double volatility, double level) {
        double least = Math.min(Math.min(point, jump), Math.min(volatility, level));
        return least == point
                ? "point"
                : least == jump ? "jump" : least == volatility ? "volatility" : "level";
    }

    /**
     * Remembers the residual, then for each time scale tests the mean residual of its span against
     * that scale's past means (before learning this one): the smallest two-sided tail probability,
     * Bonferroni-corrected over the scales, or 1 while no scale has enough past means yet.
     */
    private double level(double residual) {
        if (recentResiduals.length == 0) {
            return 1.0;
        }
        recentResiduals[(int) (count % recentResiduals.length)] = residual;
        double least = 1.0;
        int span = settings.levelWindow();
        for (int k = 0; k < levels.length; k++, span *= LEVEL_SCALE_FACTOR) {
            if (count + 1 < span) {
                break;
            }
            double sum = 0;
            for (int j = 0; j < span; j++) {
                sum +=
                        recentResiduals[
                                (int) Math.floorMod(count - j, (long) recentResiduals.length)];
            }
            double mean = sum / span;
            if (levels[k].size() >= LEVEL_MIN_REFERENCE) {
                least = Math.min(least, levels[k].twoSided(mean));
            }
            levels[k].add(mean);
        }
        return Math.min(1.0, least * levels.length);
    }

    /** The evidence of the most recent firing ({@code score >= 1 - fireP}), or null if none yet. */
    public Finding lastFinding() {
        return lastFinding;
    }

    public Settings settings() {
        return settings;
    }

    /** The score at or above which an observation counts as a firing. */
    public double firingScore() {
        return 1.0 - settings.fireP();
    }

    /** The profile's value for this time of day, learning from the observation afterwards. */
    private double expected(long timestampMillis, double value) {
        int bin = (int) Math.floorMod(timestampMillis / binMillis, (long) profile.length);
        double expected = profileCount[bin] == 0 ? value : profile[bin];
        profile[bin] =
                profileCount[bin] == 0
                        ? value
                        : profile[bin] + settings.profileAlpha() * clip(value - profile[bin]);
        profileCount[bin]++;
        return expected;
    }

    /**
     * A profile step, limited to {@code profileClip} interquartile ranges of the residuals once
     * there are enough of them to judge (unlimited before, or with {@code profileClip} 0).
     */
    private double clip(double step) {
        if (settings.profileClip() == 0 || residuals.size() < LEVEL_MIN_REFERENCE) {
            return step;
        }
        double limit =
                settings.profileClip() * (residuals.quantile(0.75) - residuals.quantile(0.25));
        return Math.max(-limit, Math.min(limit, step));
    }

    /** P(at least half of a window of independent draws land in a tail of probability u). */
    private double windowTail(double u) {
        int window = recentChanges.length;
        return BinomialDistribution.of(window, Math.min(1.0, Math.max(0.0, u)))
                .survivalProbability((window + 1) / 2 - 1);
    }

    private static double median(double[] xs) {
        double[] sorted = xs.clone();
        Arrays.sort(sorted);
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : 0.5 * (sorted[m - 1] + sorted[m]);
    }

    /** Format version of {@link #writeTo}, bumped whenever the layout changes. */
    private static final int FORMAT = 3;

    /**
     * Writes the whole state (settings included), so keyed state can hold a scorer without a
     * generic serializer. A scorer restored with {@link #readFrom} continues exactly as this one
     * now does.
     */
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(FORMAT);
        Settings s = settings;
        out.writeInt(s.referenceSize());
        out.writeInt(s.referenceStride());
        out.writeInt(s.window());
        out.writeInt(s.learn());
        out.writeInt(s.refractory());
        out.writeDouble(s.fireP());
        out.writeInt(s.profileBins());
        out.writeDouble(s.profileAlpha());
        out.writeDouble(s.pointMultiplicity());
        out.writeDouble(s.profileClip());
        out.writeInt(s.levelWindow());
        out.writeInt(s.levelScales());
        for (int i = 0; i < profile.length; i++) {
            out.writeDouble(profile[i]);
            out.writeLong(profileCount[i]);
        }
        for (double change : recentChanges) {
            out.writeDouble(change);
        }
        out.writeInt(position);
        out.writeLong(count);
        out.writeDouble(previousResidual);
        out.writeLong(quietUntil);
        residuals.writeTo(out);
        values.writeTo(out);
        changes.writeTo(out);
        for (double residual : recentResiduals) {
            out.writeDouble(residual);
        }
        for (WindowReference reference : levels) {
            reference.writeTo(out);
        }
    }

    public static TailProbabilityScorer readFrom(DataInput in) throws IOException {
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("unknown TailProbabilityScorer state format " + format);
        }
        Settings s =
                new Settings(
                        in.readInt(),
                        in.readInt(),
                        in.readInt(),
                        in.readInt(),
                        in.readInt(),
                        in.readDouble(),
                        in.readInt(),
                        in.readDouble(),
                        in.readDouble(),
                        in.readDouble(),
                        in.readInt(),
                        in.readInt());
        TailProbabilityScorer scorer = new TailProbabilityScorer(s);
        for (int i = 0; i < scorer.profile.length; i++) {
            scorer.profile[i] = in.readDouble();
            scorer.profileCount[i] = in.readLong();
        }
        for (int i = 0; i < scorer.recentChanges.length; i++) {
            scorer.recentChanges[i] = in.readDouble();
        }
        scorer.position = in.readInt();
        scorer.count = in.readLong();
        scorer.previousResidual = in.readDouble();
        scorer.quietUntil = in.readLong();
        scorer.residuals = WindowReference.readFrom(in, s.referenceSize(), s.referenceStride());
        scorer.values = WindowReference.readFrom(in, s.referenceSize(), s.referenceStride());
        scorer.changes = WindowReference.readFrom(in, s.referenceSize(), s.referenceStride());
        for (int i = 0; i < scorer.recentResiduals.length; i++) {
            scorer.recentResiduals[i] = in.readDouble();
        }
        for (int k = 0; k < scorer.levels.length; k++) {
            scorer.levels[k] = WindowReference.readFrom(in, levelCapacity(s, k), levelStride(s, k));
        }
        return scorer;
    }

    /** The state as bytes ({@link #writeTo}). */
    public byte[] toBytes() {
        return StateBytes.write(this::writeTo, stateBytes());
    }

    public static TailProbabilityScorer fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, TailProbabilityScorer::readFrom);
    }

    /** Bytes {@link #writeTo} writes. */
    public int stateBytes() {
        int levelBytes = 0;
        for (WindowReference reference : levels) {
            levelBytes += reference.serializedBytes();
        }
        return 9 * Integer.BYTES
                + 4 * Double.BYTES // format and settings
                + profile.length * (Double.BYTES + Long.BYTES)
                + recentChanges.length * Double.BYTES
                + Integer.BYTES
                + 2 * Long.BYTES
                + Double.BYTES
                + residuals.serializedBytes()
                + values.serializedBytes()
                + changes.serializedBytes()
                + recentResiduals.length * Double.BYTES
                + levelBytes;
    }
}
