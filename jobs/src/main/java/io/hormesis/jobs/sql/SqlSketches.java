package io.hormesis.jobs.sql;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.FunctionHint;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.functions.AggregateFunction;
import org.apache.flink.table.functions.ScalarFunction;

import io.hormesis.stats.drift.DriftTests;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;

/**
 * Flink SQL functions over the statistics in {@code udfs}: a KLL sketch aggregate, drift statistics
 * between two sketches, and an anomaly-score aggregate. {@link #register} makes them temporary
 * system functions; {@code ./hormesis sql} registers them in every session.
 *
 * <pre>{@code
 * SELECT PSI(r.s, c.s), KS_PVALUE(r.s, c.s), WASSERSTEIN(r.s, c.s)
 * FROM (SELECT KLL_SKETCH(score) AS s FROM scores WHERE day = 'mon') r,
 *      (SELECT KLL_SKETCH(score) AS s FROM scores WHERE day = 'tue') c
 * }</pre>
 */
public final class SqlSketches {
    /** KLL accuracy parameter of sketches built in SQL (rank error about 1.3 %, exact below k). */
    public static final int K = 200;

    private SqlSketches() {}

    /** Registers every function; names are case-insensitive in SQL. */
    public static void register(TableEnvironment env) {
        env.createTemporarySystemFunction("KLL_SKETCH", KllSketch.class);
        env.createTemporarySystemFunction("PSI", Psi.class);
        env.createTemporarySystemFunction("JS_DIVERGENCE", JsDivergence.class);
        env.createTemporarySystemFunction("WASSERSTEIN", Wasserstein.class);
        env.createTemporarySystemFunction("KS_STAT", KsStatistic.class);
        env.createTemporarySystemFunction("KS_PVALUE", KsPValue.class);
        env.createTemporarySystemFunction("ANOMALY_SCORE", AnomalyScore.class);
    }

    /** One line per function, for {@code ./hormesis sql --help}. */
    public static final String HELP =
            String.join(
                    "\n",
                    "  KLL_SKETCH(x DOUBLE) -> BYTES        aggregate: a KLL sketch (k=200) of x",
                    "  PSI(ref BYTES, cur BYTES) -> DOUBLE  population stability index, 10 bins",
                    "  JS_DIVERGENCE(ref, cur) -> DOUBLE    Jensen-Shannon divergence, base 2",
                    "  WASSERSTEIN(ref, cur) -> DOUBLE      earth mover's distance, x's units",
                    "  KS_STAT(ref, cur) / KS_PVALUE(ref, cur)  two-sample Kolmogorov-Smirnov",
                    "  ANOMALY_SCORE(x DOUBLE, ts BIGINT) -> DOUBLE  aggregate: the highest",
                    "                                       calibrated anomaly score in the group");

    static KllDoublesSketch sketch(byte[] bytes) {
        return KllDoublesSketch.heapify(Memory.wrap(bytes));
    }

    /** Aggregate: a serialized KLL sketch of the group's non-null finite values. */
    @FunctionHint(
            accumulator =
                    @DataTypeHint(
                            value = "RAW",
                            bridgedTo = KllDoublesSketch.class,
                            rawSerializer = KllSketchSerializer.class),
            output = @DataTypeHint("BYTES"))
    public static final class KllSketch extends AggregateFunction<byte[], KllDoublesSketch> {
        @Override
        public KllDoublesSketch createAccumulator() {
            return KllDoublesSketch.newHeapInstance(K);
        }

        public void accumulate(KllDoublesSketch acc, Double value) {
            if (value != null && Double.isFinite(value)) {
                acc.update(value);
            }
        }

        public void merge(KllDoublesSketch acc, Iterable<KllDoublesSketch> others) {
            for (KllDoublesSketch other : others) {
                acc.merge(other);
            }
        }

        @Override
        public byte[] getValue(KllDoublesSketch acc) {
            return acc.toByteArray();
        }
    }

    /** A statistic between two serialized sketches; null if either is null or empty. */
    abstract static class TwoSketchFunction extends ScalarFunction {
        private static final DriftTests TESTS = DriftTests.defaults();

        abstract double compute(DriftTests tests, KllDoublesSketch ref, KllDoublesSketch cur);

        public Double eval(byte[] reference, byte[] current) {
            if (reference == null || current == null) {
                return null;
            }
            KllDoublesSketch ref = sketch(reference);
            KllDoublesSketch cur = sketch(current);
            if (ref.isEmpty() || cur.isEmpty()) {
                return null;
            }
            return compute(TESTS, ref, cur);
        }
    }

    /** PSI(ref, cur): population stability index over the reference's deciles. */
    public static final class Psi extends TwoSketchFunction {
        @Override
        double compute(DriftTests t, KllDoublesSketch ref, KllDoublesSketch cur) {
            return t.psi(ref, cur).statistic();
        }
    }

    /** JS_DIVERGENCE(ref, cur): Jensen-Shannon divergence, base 2, on the same bins as PSI. */
    public static final class JsDivergence extends TwoSketchFunction {
        @Override
        double compute(DriftTests t, KllDoublesSketch ref, KllDoublesSketch cur) {
            return t.jensenShannon(ref, cur).statistic();
        }
    }

    /** WASSERSTEIN(ref, cur): the area between the two CDFs. */
    public static final class Wasserstein extends TwoSketchFunction {
        @Override
        double compute(DriftTests t, KllDoublesSketch ref, KllDoublesSketch cur) {
            return t.wasserstein(ref, cur).statistic();
        }
    }

    /** KS_STAT(ref, cur): the two-sample Kolmogorov-Smirnov D. */
    public static final class KsStatistic extends TwoSketchFunction {
        @Override
        double compute(DriftTests t, KllDoublesSketch ref, KllDoublesSketch cur) {
            return t.kolmogorovSmirnov(ref, cur).statistic();
        }
    }

    /** KS_PVALUE(ref, cur): the p-value of the two-sample Kolmogorov-Smirnov test. */
    public static final class KsPValue extends TwoSketchFunction {
        @Override
        double compute(DriftTests t, KllDoublesSketch ref, KllDoublesSketch cur) {
            return t.kolmogorovSmirnov(ref, cur).pValue();
        }
    }

    /**
     * Aggregate: the highest anomaly score of the group's observations, scored in time order (ties
     * by value, so the answer does not depend on row order) by the same {@code
     * TailProbabilityScorer} WATCH and {@code ./hormesis detect} use. The first 300 observations of
     * a group only teach the scorer, so a smaller group scores 0.
     */
    @FunctionHint(
            accumulator =
                    @DataTypeHint(
                            value = "RAW",
                            bridgedTo = SeriesAccumulator.class,
                            rawSerializer = SeriesAccumulator.Serializer.class),
            output = @DataTypeHint("DOUBLE"))
    public static final class AnomalyScore extends AggregateFunction<Double, SeriesAccumulator> {
        @Override
        public SeriesAccumulator createAccumulator() {
            return new SeriesAccumulator();
        }

        public void accumulate(SeriesAccumulator acc, Double value, Long timestampMillis) {
            if (value != null && timestampMillis != null && Double.isFinite(value)) {
                acc.add(timestampMillis, value);
            }
        }

        public void merge(SeriesAccumulator acc, Iterable<SeriesAccumulator> others) {
            for (SeriesAccumulator other : others) {
                acc.addAll(other);
            }
        }

        @Override
        public Double getValue(SeriesAccumulator acc) {
            return acc.maxScore();
        }
    }
}
