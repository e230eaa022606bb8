package io.hormesis.jobs.sim.twin;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The twin's M/M/c latency model against textbook values. */
class QueueingLatencyTest {

    @Test
    void erlangCMatchesTheTextbook() {
        // c = 2, a = 1 (rho = 0.5): C = 1/3 (Gross & Harris, M/M/c; also 2 a^2 / ((2 + a)(2 - a))
        // ... with a = 1: 2/6).
        assertThat(QueueingLatency.erlangC(2, 1.0)).isCloseTo(1.0 / 3, within(1e-12));
        // c = 1 is M/M/1: the probability of waiting is rho.
        assertThat(QueueingLatency.erlangC(1, 0.7)).isCloseTo(0.7, within(1e-12));
    }

    @Test
    void mm1SojournIsExponentialWithRateMuMinusLambda() {
        // M/M/1: sojourn ~ Exp(mu - lambda), so the p95 is ln(20) / (mu - lambda).
        double mu = 2.0;
        double lambda = 1.5;
        double expected = 1000 * Math.log(20) / (mu - lambda);
        assertThat(QueueingLatency.sojournQuantileMillis(lambda, 1, mu, 0.95))
                .isCloseTo(expected, within(0.5));
    }

    @Test
    void latencyGrowsWithLoadAndTheSloRateIsWhereItCrossesTheSlo() {
        double mu = 1.0;
        int c = 40;
        double previous = 0;
        for (double lambda = 0; lambda < 39; lambda += 3) {
            double p95 = QueueingLatency.sojournQuantileMillis(lambda, c, mu, 0.95);
            assertThat(p95).isGreaterThanOrEqualTo(previous);
            previous = p95;
        }
        // Idle: the service time's own p95, ln(20) / mu.
        assertThat(QueueingLatency.sojournQuantileMillis(0, c, mu, 0.95))
                .isCloseTo(1000 * Math.log(20), within(0.5));
        double atSlo = QueueingLatency.rateAtSlo(c, mu, 0.95, 4_000);
        assertThat(atSlo).isBetween(30.0, 40.0);
        assertThat(QueueingLatency.sojournQuantileMillis(atSlo, c, mu, 0.95))
                .isCloseTo(4_000, within(5.0));
    }
}
