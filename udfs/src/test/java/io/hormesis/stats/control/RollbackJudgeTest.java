package io.hormesis.stats.control;

import io.hormesis.stats.control.RollbackJudge.Centre;
import io.hormesis.stats.control.RollbackJudge.Outcome;
import io.hormesis.stats.control.RollbackJudge.Verdict;
import io.hormesis.stats.control.RollbackJudge.Worse;
import org.junit.jupiter.api.Test;

import java.util.function.IntToDoubleFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Reference values from SciPy 1.17.1, {@code scipy.stats.mannwhitneyu(candidate, baseline,
 * alternative=..., method=...)} (default {@code use_continuity=True}), on the same samples. The
 * explicit "too little data" outcome follows Kayenta's Mann-Whitney classifier (spinnaker/kayenta),
 * which classifies such a metric as Nodata rather than Pass or High/Low; here it is INCONCLUSIVE.
 */
class RollbackJudgeTest {

    private final RollbackJudge judge = new RollbackJudge(30, 0.05, 0.05);

    private static double[] sample(int n, IntToDoubleFunction f) {
        double[] xs = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = f.applyAsDouble(i);
        }
        return xs;
    }

    @Test
    void matchesScipyExactOnASmallSampleWithoutTies() {
        double[] baseline = {102, 98, 110, 95, 105, 99, 101, 97, 103, 100};
        double[] candidate = {120, 115, 111, 118, 109, 125, 113, 117, 119, 108};
        // mannwhitneyu(candidate, baseline, alternative='greater', method='exact'):
        // statistic 98.0, pvalue 2.165017644893806e-05.
        Verdict v =
                new RollbackJudge(10, 0.05, 0.05)
                        .judge(baseline, candidate, Worse.HIGHER, Centre.MEDIAN);
        assertThat(v.statistic()).isEqualTo(98.0);
        assertThat(v.pValue()).isCloseTo(2.165017644893806e-05, within(1e-12));
        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
    }

    @Test
    void failsOnARealLatencyRegression() {
        // Latencies 100..149 ms against 115..164 ms, 200 each, with ties.
        double[] baseline = sample(200, i -> 100 + (i * 37) % 50);
        double[] candidate = sample(200, i -> 115 + (i * 53) % 50);
        // mannwhitneyu(c2, b2, alternative='greater', method='asymptotic'):
        // statistic 30200.0, pvalue 5.554489403374767e-19; medians 124.5 and 139.5.
        Verdict v = judge.judge(baseline, candidate, Worse.HIGHER, Centre.MEDIAN);
        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(v.statistic()).isEqualTo(30200.0);
        assertThat(v.pValue()).isCloseTo(5.554489403374767e-19, within(1e-25));
        assertThat(v.relativeShift()).isCloseTo(15.0 / 124.5, within(1e-12));
        assertThat(v.baselineSize()).isEqualTo(200);
        assertThat(v.candidateSize()).isEqualTo(200);
        assertThat(v.reason()).startsWith("fail");
    }

    @Test
    void passesOnEqualDistributions() {
        double[] baseline = sample(200, i -> 100 + (i * 37) % 50);
        double[] candidate = sample(200, i -> 100 + (i * 53) % 50); // the same values, reordered
        // mannwhitneyu(c3, b2, alternative='greater', method='asymptotic'):
        // statistic 20000.0, pvalue 0.5001725655169398; two-sided: pvalue 1.0.
        Verdict v = judge.judge(baseline, candidate, Worse.HIGHER, Centre.MEDIAN);
        assertThat(v.outcome()).isEqualTo(Outcome.PASS);
        assertThat(v.statistic()).isEqualTo(20000.0);
        assertThat(v.pValue()).isCloseTo(0.5001725655169398, within(1e-12));
        Verdict two = judge.judge(baseline, candidate, Worse.EITHER, Centre.MEDIAN);
        assertThat(two.outcome()).isEqualTo(Outcome.PASS);
        assertThat(two.pValue()).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void inconclusiveBelowTheMinimumSampleOnEitherSide() {
        double[] big = sample(200, i -> 100 + (i * 37) % 50);
        double[] small = sample(29, i -> 500 + i); // clearly worse, but 29 < 30 samples
        Verdict v = judge.judge(big, small, Worse.HIGHER, Centre.MEDIAN);
        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(v.pValue()).isNaN();
        assertThat(v.candidateSize()).isEqualTo(29);
        assertThat(v.reason()).contains("need 30 each");
        assertThat(judge.judge(small, big, Worse.LOWER, Centre.MEDIAN).outcome())
                .isEqualTo(Outcome.INCONCLUSIVE);
        // One more sample and it is judged.
        double[] enough = sample(30, i -> 500 + i);
        assertThat(judge.judge(big, enough, Worse.HIGHER, Centre.MEDIAN).outcome())
                .isEqualTo(Outcome.FAIL);
    }

    @Test
    void failsOnAnErrorRateRegressionMeasuredByTheMean() {
        double[] baseline = sample(400, i -> i % 100 == 0 ? 1 : 0); // 1 % errors
        double[] candidate = sample(200, i -> i % 50 == 0 || i % 50 == 7 || i % 50 == 21 ? 1 : 0);
        // 6 % errors. mannwhitneyu(ce, be, alternative='greater', method='asymptotic'):
        // statistic 42000.0, pvalue 0.00017195769373879735.
        Verdict v = judge.judge(baseline, candidate, Worse.HIGHER, Centre.MEAN);
        assertThat(v.statistic()).isEqualTo(42000.0);
        assertThat(v.pValue()).isCloseTo(0.00017195769373879735, within(1e-12));
        assertThat(v.relativeShift()).isCloseTo(5.0, within(1e-12)); // 0.01 -> 0.06
        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        // By the median both error rates are 0: no shift, so no rollback.
        assertThat(judge.judge(baseline, candidate, Worse.HIGHER, Centre.MEDIAN).outcome())
                .isEqualTo(Outcome.PASS);
    }

    @Test
    void passesASignificantButTinyShift() {
        double[] baseline = sample(2000, i -> 100 + (i * 37) % 50);
        double[] candidate = sample(2000, i -> 101 + (i * 53) % 50);
        // mannwhitneyu(c5, b5, alternative='greater', method='asymptotic'):
        // statistic 2079200.0, pvalue 0.015036640986323945; medians 124.5 -> 125.5 (+0.8 %).
        Verdict v = judge.judge(baseline, candidate, Worse.HIGHER, Centre.MEDIAN);
        assertThat(v.pValue()).isCloseTo(0.015036640986323945, within(1e-12));
        assertThat(v.outcome()).isEqualTo(Outcome.PASS);
        assertThat(v.reason()).contains("below the minimum shift");
    }

    @Test
    void failsOnAPredictionScoreShiftInEitherDirection() {
        double[] baseline = sample(200, i -> 100 + (i * 37) % 50);
        double[] candidate = sample(200, i -> 85 + (i * 53) % 50);
        // mannwhitneyu(c6, b2, alternative='two-sided', method='asymptotic'):
        // statistic 9800.0, pvalue 1.1108978806749533e-18.
        Verdict v = judge.judge(baseline, candidate, Worse.EITHER, Centre.MEDIAN);
        assertThat(v.statistic()).isEqualTo(9800.0);
        assertThat(v.pValue()).isCloseTo(1.1108978806749533e-18, within(1e-24));
        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        // A lower latency is no regression.
        assertThat(judge.judge(baseline, candidate, Worse.HIGHER, Centre.MEDIAN).outcome())
                .isEqualTo(Outcome.PASS);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new RollbackJudge(0, 0.05, 0.05))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minSamples");
        assertThatThrownBy(() -> new RollbackJudge(10, 1.0, 0.05))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha");
        assertThatThrownBy(() -> new RollbackJudge(10, 0.05, -0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minRelativeShift");
        assertThatThrownBy(
                        () ->
                                judge.judge(
                                        new double[] {1, Double.NaN},
                                        new double[] {1},
                                        Worse.HIGHER,
                                        Centre.MEAN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baseline values must be finite");
    }
}
