package io.hormesis.bench;

import io.hormesis.stats.EwmaZScoreDetector;
import io.hormesis.stats.anomaly.AnomalyScorer;
import io.hormesis.stats.anomaly.AnomalyScorers;
import io.hormesis.stats.change.Adwin;
import io.hormesis.stats.change.Cusum;
import io.hormesis.stats.change.PageHinkley;
import io.hormesis.stats.watch.IntervalStats;
import io.hormesis.stats.watch.KeyWatch;
import moa.classifiers.core.driftdetection.ADWIN;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Updates per second of each per-observation detector, all fed the same pre-generated stream
 * cyclically: our {@link Adwin} against MOA's ADWIN at the same delta, {@link PageHinkley}, {@link
 * Cusum}, {@link EwmaZScoreDetector} and the standard anomaly scorer. Each invocation feeds {@value
 * #BATCH} observations, so JMH's ops/s are updates/s. About 65 s with the defaults:
 *
 * <pre>
 * mvn -B -o -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar DetectorBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@State(Scope.Thread)
public class DetectorBenchmark {
    /** Length of the shared stream; a power of two, so the cyclic index is a mask. */
    static final int STREAM = 1 << 16;

    /** Observations per benchmark invocation. */
    static final int BATCH = 1 << 12;

    /** One stream for every detector: unit noise around a level that shifts now and then. */
    static final double[] VALUES = levelShifts(42);

    private int position;
    private long timeMillis;
    private Adwin adwin;
    private ADWIN moaAdwin;
    private PageHinkley pageHinkley;
    private Cusum cusum;
    private EwmaZScoreDetector ewma;
    private AnomalyScorer scorer;
    private KeyWatch[] watches;
    private IntervalStats[] openIntervals;
    private CountingListener watchListener;

    /** Keys the WATCH benchmark spreads events over, as a task holds many keys' state. */
    static final int WATCH_KEYS = 100;

    /**
     * Levels 100 + 3 j for j in [-2, 2], each held 1,024 to 8,191 observations, plus unit normal
     * noise: the shifts are a few sigmas, what the detectors are for.
     */
    static double[] levelShifts(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] xs = new double[STREAM];
        double level = 100;
        int hold = 0;
        for (int i = 0; i < STREAM; i++) {
            if (hold-- == 0) {
                level = 100 + 3 * random.nextInt(-2, 3);
                hold = random.nextInt(1_024, 8_192);
            }
            double u = 1.0 - random.nextDouble();
            double v = random.nextDouble();
            xs[i] = level + Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
        }
        return xs;
    }

    @Setup(Level.Trial)
    public void setUp() {
        position = 0;
        timeMillis = 1_700_000_000_000L;
        adwin = new Adwin(Adwin.DEFAULT_DELTA);
        moaAdwin = new ADWIN(Adwin.DEFAULT_DELTA);
        pageHinkley = new PageHinkley(0.5, 25, 1, 30, PageHinkley.Direction.BOTH);
        cusum = Cusum.learning(500, 0.5, 5, true);
        ewma = new EwmaZScoreDetector(0.05, 4.0, 3, 30, 0.05);
        scorer = AnomalyScorers.standard();
        watches = new KeyWatch[WATCH_KEYS];
        openIntervals = new IntervalStats[WATCH_KEYS];
        watchListener = new CountingListener();
        for (int k = 0; k < WATCH_KEYS; k++) {
            watches[k] = new KeyWatch(KeyWatch.Settings.withFireP(1e-6));
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int adwin() {
        int changes = 0;
        int p = position;
        for (int i = 0; i < BATCH; i++) {
            if (adwin.update(VALUES[p])) {
                changes++;
            }
            p = (p + 1) & (STREAM - 1);
        }
        position = p;
        return changes;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int moaAdwin() {
        int changes = 0;
        int p = position;
        for (int i = 0; i < BATCH; i++) {
            if (moaAdwin.setInput(VALUES[p])) {
                changes++;
            }
            p = (p + 1) & (STREAM - 1);
        }
        position = p;
        return changes;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int pageHinkley() {
        int changes = 0;
        int p = position;
        for (int i = 0; i < BATCH; i++) {
            if (pageHinkley.update(VALUES[p])) {
                changes++;
            }
            p = (p + 1) & (STREAM - 1);
        }
        position = p;
        return changes;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int cusum() {
        int changes = 0;
        int p = position;
        for (int i = 0; i < BATCH; i++) {
            if (cusum.update(VALUES[p])) {
                changes++;
            }
            p = (p + 1) & (STREAM - 1);
        }
        position = p;
        return changes;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int ewmaZScore() {
        int alarms = 0;
        int p = position;
        long t = timeMillis;
        for (int i = 0; i < BATCH; i++) {
            if (ewma.observe(t, VALUES[p], "r") != null) {
                alarms++;
            }
            t += 1_000;
            p = (p + 1) & (STREAM - 1);
        }
        position = p;
        timeMillis = t;
        return alarms;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public double anomalyScorer() {
        double scores = 0;
        int p = position;
        long t = timeMillis;
        for (int i = 0; i < BATCH; i++) {
            scores += scorer.score(t, VALUES[p]);
            t += 60_000;
            p = (p + 1) & (STREAM - 1);
        }
        position = p;
        timeMillis = t;
        return scores;
    }

    /**
     * The whole per-event logic of WATCH (what the pre-aggregation and {@code WatchFunction} run,
     * without Flink), per request: an event of one of {@value #WATCH_KEYS} keys in turn (each key
     * every 100 ms of event time, 100 requests per 10-second interval), with its error indicator (1
     * in 64 fail), its latency from the stream and a time to first token, counted into that key's
     * {@link IntervalStats}; when a key's interval changes, the closed interval goes to its {@link
     * KeyWatch}, which judges the window against the reference and learns it. So the figure
     * includes the amortised cost of the interval tests.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int watchEvent() {
        int p = position;
        long t = timeMillis;
        long interval = watches[0].settings().intervalMillis();
        for (int i = 0; i < BATCH; i++) {
            double x = VALUES[p];
            boolean ok = (p & 63) != 0;
            int k = p % WATCH_KEYS;
            long start = KeyWatch.intervalOf(t, interval);
            IntervalStats open = openIntervals[k];
            if (open == null || open.intervalStart() != start) {
                if (open != null) {
                    watches[k].add(open, watchListener);
                }
                open = new IntervalStats(start, 32);
                openIntervals[k] = open;
            }
            open.record(t, ok, ok ? 5 * x : Double.NaN, ok ? x : Double.NaN, "r");
            t += 1;
            p = (p + 1) & (STREAM - 1);
        }
        position = p;
        timeMillis = t;
        return watchListener.alarms;
    }

    /** Counts what the watches report, so the JIT cannot drop the work. */
    static final class CountingListener implements KeyWatch.Listener {
        int alarms;
        int baselines;

        @Override
        public void alarm(KeyWatch.Alarm alarm) {
            alarms++;
        }

        @Override
        public void baseline(KeyWatch.Baseline baseline) {
            baselines++;
        }
    }
}
