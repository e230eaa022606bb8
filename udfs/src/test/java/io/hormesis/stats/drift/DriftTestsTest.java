package io.hormesis.stats.drift;

import org.apache.datasketches.kll.KllDoublesSketch;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Reference values from scipy 1.17.1, statsmodels 0.15.0 and numpy 2.4.6 on the same samples (the
 * script's calls are quoted at each assertion). The samples are deterministic formulas so both
 * languages build them identically; sketches of k = 4,000 hold them exactly.
 */
class DriftTestsTest {
    private static final DriftTests TESTS = DriftTests.defaults();

    /** ref = [(i*37 % 101)/10 for i in range(200)]. */
    private static KllDoublesSketch reference() {
        KllDoublesSketch s = KllDoublesSketch.newHeapInstance(4_000);
        for (int i = 0; i < 200; i++) {
            s.update((i * 37 % 101) / 10.0);
        }
        return s;
    }

    /** cur = [(i*53 % 97)/9 + 0.5 for i in range(150)]. */
    private static KllDoublesSketch current() {
        KllDoublesSketch s = KllDoublesSketch.newHeapInstance(4_000);
        for (int i = 0; i < 150; i++) {
            s.update((i * 53 % 97) / 9.0 + 0.5);
        }
        return s;
    }

    @Test
    void kolmogorovSmirnovMatchesScipyExact() {
        // scipy.stats.ks_2samp(ref, cur, method='exact') -> (0.10666666666666667,
        // 0.2670091673604593)
        DriftResult r = TESTS.kolmogorovSmirnov(reference(), current());
        assertThat(r.statistic()).isCloseTo(0.10666666666666667, within(1e-12));
        assertThat(r.pValue()).isCloseTo(0.2670091673604593, within(1e-6));
        assertThat(r.decision()).isEqualTo(DriftResult.Decision.NO_DRIFT);
        assertThat(r.nReference()).isEqualTo(200);
        assertThat(r.nCurrent()).isEqualTo(150);
    }

    @Test
    void kolmogorovSmirnovLargeSamplesUseTheLimitingDistribution() {
        // ref2 = [(i*37 % 1009)/100 for i in range(3000)], cur2 = [(i*53 % 997)/99 + 0.3 ...2000]
        KllDoublesSketch ref = KllDoublesSketch.newHeapInstance(4_000);
        KllDoublesSketch cur = KllDoublesSketch.newHeapInstance(4_000);
        for (int i = 0; i < 3_000; i++) {
            ref.update((i * 37 % 1009) / 100.0);
        }
        for (int i = 0; i < 2_000; i++) {
            cur.update((i * 53 % 997) / 99.0 + 0.3);
        }
        DriftResult r = TESTS.kolmogorovSmirnov(ref, cur);
        // scipy.stats.ks_2samp(ref2, cur2).statistic -> 0.030166666666666668
        assertThat(r.statistic()).isCloseTo(0.030166666666666668, within(1e-12));
        // scipy.stats.kstwobign.sf(sqrt(n*m/(n+m)) * d) -> 0.2248442244887534
        assertThat(r.pValue()).isCloseTo(0.2248442244887534, within(1e-6));
    }

    @Test
    void wassersteinMatchesScipy() {
        // scipy.stats.wasserstein_distance(ref, cur) -> 0.7354999999999999
        assertThat(DriftTests.wassersteinStatistic(reference(), current()))
                .isCloseTo(0.7354999999999999, within(1e-12));
        // Symmetric, and zero against itself.
        assertThat(DriftTests.wassersteinStatistic(current(), reference()))
                .isCloseTo(0.7354999999999999, within(1e-12));
        assertThat(DriftTests.wassersteinStatistic(reference(), reference())).isZero();
    }

    @Test
    void psiAndJensenShannonMatchNumpyOnTheSameBins() {
        // Bins cut at the reference's deciles (smallest x with rank >= i/10), empty bins 1e-4,
        // renormalised: numpy sum((q-p)*log(q/p)) -> 0.09512818299046201, and
        // scipy.spatial.distance.jensenshannon(p, q, base=2)**2 -> 0.016872662678858084
        assertThat(TESTS.psi(reference(), current()).statistic())
                .isCloseTo(0.09512818299046201, within(1e-12));
        assertThat(TESTS.jensenShannon(reference(), current()).statistic())
                .isCloseTo(0.016872662678858084, within(1e-12));
        assertThat(TESTS.psi(reference(), reference()).statistic()).isZero();
    }

    @Test
    void chiSquareMatchesScipy() {
        // scipy.stats.chi2_contingency([[30,50,20],[25,40,45]], correction=False)
        //   -> (10.729179910998093, 0.00467937860068816)
        DriftTests tests = new DriftTests(10, 1e-4, 50, 0.01, 0.25, 0.1, 0.25);
        DriftResult r =
                tests.chiSquare(
                        Map.of("a", 30L, "b", 50L, "c", 20L),
                        Map.of("a", 25L, "b", 40L, "c", 45L, "unseen", 0L));
        assertThat(r.statistic()).isCloseTo(10.729179910998093, within(1e-9));
        assertThat(r.pValue()).isCloseTo(0.00467937860068816, within(1e-9));
        assertThat(r.decision()).isEqualTo(DriftResult.Decision.DRIFT);
    }

    @Test
    void aShiftedDistributionDriftsOnEveryTestAndTheSameOneOnNone() {
        Random random = new Random(5);
        KllDoublesSketch ref = KllDoublesSketch.newHeapInstance(200);
        KllDoublesSketch same = KllDoublesSketch.newHeapInstance(200);
        KllDoublesSketch shifted = KllDoublesSketch.newHeapInstance(200);
        for (int i = 0; i < 20_000; i++) {
            ref.update(random.nextGaussian());
            same.update(random.nextGaussian());
            shifted.update(1.0 + random.nextGaussian());
        }
        for (DriftResult r :
                List.of(
                        TESTS.psi(ref, shifted),
                        TESTS.jensenShannon(ref, shifted),
                        TESTS.wasserstein(ref, shifted),
                        TESTS.kolmogorovSmirnov(ref, shifted))) {
            assertThat(r.decision()).as(r.test()).isEqualTo(DriftResult.Decision.DRIFT);
        }
        for (DriftResult r :
                List.of(
                        TESTS.psi(ref, same),
                        TESTS.jensenShannon(ref, same),
                        TESTS.wasserstein(ref, same))) {
            assertThat(r.decision()).as(r.test()).isEqualTo(DriftResult.Decision.NO_DRIFT);
        }
    }

    @Test
    void belowTheMinimumSampleNothingIsClaimed() {
        KllDoublesSketch ref = reference();
        KllDoublesSketch few = KllDoublesSketch.newHeapInstance(200);
        for (int i = 0; i < 20; i++) {
            few.update(100 + i); // wildly different, but only 20 values
        }
        assertThat(TESTS.kolmogorovSmirnov(ref, few).decision())
                .isEqualTo(DriftResult.Decision.INSUFFICIENT_DATA);
        assertThat(TESTS.psi(ref, few).decision())
                .isEqualTo(DriftResult.Decision.INSUFFICIENT_DATA);
        assertThat(TESTS.chiSquare(Map.of("a", 5L), Map.of("b", 5L)).decision())
                .isEqualTo(DriftResult.Decision.INSUFFICIENT_DATA);
    }

    @Test
    void rejectsBadSettingsAndInput() {
        assertThatThrownBy(() -> new DriftTests(1, 1e-4, 10, 0.01, 0.25, 0.1, 0.25))
                .hasMessageContaining("bins");
        assertThatThrownBy(() -> new DriftTests(10, 0.5, 10, 0.01, 0.25, 0.1, 0.25))
                .hasMessageContaining("epsilon");
        assertThatThrownBy(() -> new DriftTests(10, 1e-4, 10, 1.5, 0.25, 0.1, 0.25))
                .hasMessageContaining("alpha");
        assertThatThrownBy(() -> TESTS.psi(reference(), KllDoublesSketch.newHeapInstance(200)))
                .hasMessageContaining("at least one value");
        assertThatThrownBy(() -> TESTS.chiSquare(Map.of("a", -1L), Map.of("a", 1L)))
                .hasMessageContaining("negative");
    }
}
