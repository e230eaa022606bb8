package io.hormesis.stats.drift;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class MultipleTestingTest {
    private static final double[] P = {0.01, 0.04, 0.03, 0.005, 0.2, 0.5};

    @Test
    void benjaminiHochbergMatchesStatsmodels() {
        // statsmodels 0.15.0 multipletests(P, method='fdr_bh')[1]
        double[] expected = {0.03, 0.06, 0.06, 0.03, 0.24, 0.5};
        double[] actual = MultipleTesting.benjaminiHochberg(P);
        for (int i = 0; i < P.length; i++) {
            assertThat(actual[i]).isCloseTo(expected[i], within(1e-12));
        }
    }

    @Test
    void holmMatchesStatsmodels() {
        // statsmodels 0.15.0 multipletests(P, method='holm')[1]
        double[] expected = {0.05, 0.12, 0.12, 0.03, 0.4, 0.5};
        double[] actual = MultipleTesting.holm(P);
        for (int i = 0; i < P.length; i++) {
            assertThat(actual[i]).isCloseTo(expected[i], within(1e-12));
        }
    }

    @Test
    void adjustRedecidesOnlyTheTestsWithPValues() {
        List<DriftResult> family =
                List.of(
                        result("ks_a", 0.01, DriftResult.Decision.DRIFT),
                        result("ks_b", 0.04, DriftResult.Decision.DRIFT),
                        result("psi_c", Double.NaN, DriftResult.Decision.DRIFT),
                        result("ks_d", 0.001, DriftResult.Decision.INSUFFICIENT_DATA),
                        result("ks_e", 0.2, DriftResult.Decision.NO_DRIFT));
        List<DriftResult> holm = MultipleTesting.adjust(family, 0.05, MultipleTesting.Method.HOLM);
        // Holm over (0.01, 0.04, 0.2): 0.03, 0.08, 0.2.
        assertThat(holm.get(0).pValue()).isCloseTo(0.03, within(1e-12));
        assertThat(holm.get(0).decision()).isEqualTo(DriftResult.Decision.DRIFT);
        assertThat(holm.get(1).pValue()).isCloseTo(0.08, within(1e-12));
        assertThat(holm.get(1).decision()).isEqualTo(DriftResult.Decision.NO_DRIFT);
        assertThat(holm.get(2)).isEqualTo(family.get(2));
        assertThat(holm.get(3)).isEqualTo(family.get(3));
        assertThat(holm.get(4).decision()).isEqualTo(DriftResult.Decision.NO_DRIFT);
    }

    @Test
    void rejectsPValuesOutsideTheUnitInterval() {
        assertThatThrownBy(() -> MultipleTesting.holm(new double[] {0.1, 1.5}))
                .hasMessageContaining("[0, 1]");
    }

    private static DriftResult result(String test, double p, DriftResult.Decision d) {
        return new DriftResult(test, 0.1, p, 0.05, d, 500, 500);
    }
}
