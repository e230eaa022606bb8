package io.hormesis.jobs.sql;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.stats.anomaly.AnomalyScorer;
import io.hormesis.stats.anomaly.AnomalyScorers;
import io.hormesis.stats.drift.DriftTests;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The statistics functions in real Flink SQL (batch, on the local cluster the table environment
 * starts): sketches built by a GROUP BY, drift statistics between them equal to what the plain-Java
 * {@code udfs} code computes from the same values, and the anomaly-score aggregate telling a group
 * with an outlier from one without.
 */
class SqlFunctionsITCase {
    private static final int N = 600;
    private static final List<double[]> ROWS = new ArrayList<>(); // {group 0/1, value}
    private static StreamExecutionEnvironment streams;
    private static StreamTableEnvironment env;

    @BeforeAll
    static void setUp() {
        Random random = new Random(8);
        for (int i = 0; i < N; i++) {
            ROWS.add(new double[] {0, 100 + 10 * random.nextGaussian()});
            ROWS.add(new double[] {1, 104 + 12 * random.nextGaussian()});
        }
        streams = StreamExecutionEnvironment.getExecutionEnvironment();
        streams.setRuntimeMode(RuntimeExecutionMode.BATCH);
        streams.setParallelism(2);
        env = StreamTableEnvironment.create(streams);
        SqlSketches.register(env);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS.size(); i++) {
            double[] r = ROWS.get(i);
            rows.add(Row.of(r[0] == 0 ? "ref" : "cur", (long) i, r[1]));
        }
        view("obs", rows, "grp");
    }

    /** A view over rows (name, ts, x) from one bounded DataStream source. */
    private static void view(String name, List<Row> rows, String firstColumn) {
        RowTypeInfo type =
                new RowTypeInfo(
                        new TypeInformation<?>[] {Types.STRING, Types.LONG, Types.DOUBLE},
                        new String[] {firstColumn, "ts", "x"});
        env.createTemporaryView(
                name, env.fromDataStream(streams.fromData(type, rows.toArray(new Row[0]))));
    }

    private static List<Row> query(TableEnvironment tableEnv, String sql) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = tableEnv.executeSql(sql).collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    private static KllDoublesSketch javaSketch(int group) {
        KllDoublesSketch s = KllDoublesSketch.newHeapInstance(SqlSketches.K);
        ROWS.stream().filter(r -> r[0] == group).forEach(r -> s.update(r[1]));
        return s;
    }

    @Test
    void driftStatisticsBetweenSqlSketchesEqualThePlainJavaOnes() throws Exception {
        List<Row> rows =
                query(
                        env,
                        "SELECT PSI(r.s, c.s), JS_DIVERGENCE(r.s, c.s), WASSERSTEIN(r.s, c.s),"
                                + " KS_STAT(r.s, c.s), KS_PVALUE(r.s, c.s)"
                                + " FROM (SELECT KLL_SKETCH(x) AS s FROM obs WHERE grp = 'ref') r,"
                                + " (SELECT KLL_SKETCH(x) AS s FROM obs WHERE grp = 'cur') c");
        assertThat(rows).hasSize(1);
        Row row = rows.get(0);
        // 600 values per side exceed k = 200, so the sketches compact (with DataSketches' random
        // coin): the same statistics within the sketch's rank error, not bit for bit.
        DriftTests t = DriftTests.defaults();
        KllDoublesSketch ref = javaSketch(0);
        KllDoublesSketch cur = javaSketch(1);
        double rankError = ref.getNormalizedRankError(false);
        assertThat((Double) row.getField(0)).isCloseTo(t.psi(ref, cur).statistic(), within(0.05));
        assertThat((Double) row.getField(1))
                .isCloseTo(t.jensenShannon(ref, cur).statistic(), within(0.02));
        assertThat((Double) row.getField(2))
                .isCloseTo(t.wasserstein(ref, cur).statistic(), within(1.0));
        assertThat((Double) row.getField(3))
                .isCloseTo(t.kolmogorovSmirnov(ref, cur).statistic(), within(3 * rankError));
        // A 4-unit shift in 600 values a side: KS finds it.
        assertThat((Double) row.getField(4)).isLessThan(1e-4);
    }

    @Test
    void sketchesOfFewValuesAreExactAndSoAreTheStatistics() throws Exception {
        List<Row> rows =
                query(
                        env,
                        "SELECT KS_STAT(r.s, c.s), WASSERSTEIN(r.s, c.s), PSI(r.s, r.s)"
                                + " FROM (SELECT KLL_SKETCH(x) AS s FROM obs WHERE grp = 'ref'"
                                + " AND ts < 200) r,"
                                + " (SELECT KLL_SKETCH(x) AS s FROM obs WHERE grp = 'cur'"
                                + " AND ts < 200) c");
        KllDoublesSketch ref = KllDoublesSketch.newHeapInstance(SqlSketches.K);
        KllDoublesSketch cur = KllDoublesSketch.newHeapInstance(SqlSketches.K);
        for (int i = 0; i < 200; i++) {
            (ROWS.get(i)[0] == 0 ? ref : cur).update(ROWS.get(i)[1]);
        }
        DriftTests t = DriftTests.defaults();
        Row row = rows.get(0);
        assertThat((Double) row.getField(0)).isEqualTo(t.kolmogorovSmirnov(ref, cur).statistic());
        assertThat((Double) row.getField(1)).isEqualTo(t.wasserstein(ref, cur).statistic());
        assertThat((Double) row.getField(2)).isZero();
    }

    @Test
    void anomalyScoreTellsAGroupWithAnOutlierFromOneWithout() throws Exception {
        Random random = new Random(4);
        double[] quiet = new double[1_000];
        double[] spiky = new double[1_000];
        List<Row> series = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            quiet[i] = 50 + random.nextGaussian();
            spiky[i] = 50 + random.nextGaussian() + (i == 800 ? 25 : 0);
            series.add(Row.of("quiet", 300_000L * i, quiet[i]));
            series.add(Row.of("spiky", 300_000L * i, spiky[i]));
        }
        // Shuffled: the aggregate must not depend on the order rows arrive in.
        java.util.Collections.shuffle(series, new Random(1));
        view("series", series, "name");
        List<Row> rows =
                query(
                        env,
                        "SELECT name, ANOMALY_SCORE(x, ts) FROM series GROUP BY name ORDER BY name");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).getField(0)).isEqualTo("quiet");
        assertThat(rows.get(1).getField(0)).isEqualTo("spiky");
        // The same scorer in plain Java over the same series, in time order.
        assertThat((Double) rows.get(0).getField(1)).isEqualTo(maxScore(quiet));
        assertThat((Double) rows.get(1).getField(1)).isEqualTo(maxScore(spiky));
        assertThat((Double) rows.get(1).getField(1)).isGreaterThan(0.9999);
        assertThat((Double) rows.get(0).getField(1)).isLessThan(0.9999);
    }

    private static double maxScore(double[] xs) {
        AnomalyScorer scorer = AnomalyScorers.standard();
        double max = 0;
        for (int i = 0; i < xs.length; i++) {
            max = Math.max(max, scorer.score(300_000L * i, xs[i]));
        }
        return max;
    }

    @Test
    void theHormesisSqlCommandRegistersTheFunctions(@TempDir Path dir) throws Exception {
        Configuration config =
                HormesisOptions.fromSettings(
                        Map.of(
                                "kafka.bootstrap-servers",
                                "unused:0",
                                "iceberg.warehouse",
                                dir.resolve("warehouse").toUri().toString()));
        org.apache.iceberg.catalog.Catalog catalog =
                io.hormesis.jobs.lineage.LineageCatalog.loader(config).loadCatalog();
        for (io.hormesis.jobs.lineage.LineageTables table :
                io.hormesis.jobs.lineage.LineageTables.values()) {
            table.ensureExists(catalog);
        }
        try (LineageSql sql = new LineageSql(config)) {
            assertThat(sql.query("SELECT COUNT(*) FROM signals").get(0).getField(0)).isEqualTo(0L);
            List<Row> rows =
                    sql.query(
                            "SELECT KS_STAT(a.s, b.s) FROM"
                                    + " (SELECT KLL_SKETCH(x) AS s FROM (VALUES (1.0), (2.0),"
                                    + " (3.0)) AS t(x)) a,"
                                    + " (SELECT KLL_SKETCH(x) AS s FROM (VALUES (3.0), (4.0),"
                                    + " (5.0)) AS t(x)) b");
            // Two samples of three overlapping at one value: D = 2/3.
            assertThat((Double) rows.get(0).getField(0)).isCloseTo(2.0 / 3, within(1e-12));
        }
    }
}
