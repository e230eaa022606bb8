package io.hormesis.stats.control;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Reference: an M/M/1 replica. Its FCFS response time is exponential with rate {@code mu - lambda}
 * (Kleinrock, Queueing Systems Vol. 1, Wiley 1975, ch. 3), so its p95 is {@code ln 20 / (mu -
 * lambda)} and the load at which the p95 reaches an SLO {@code s} is {@code mu - ln 20 / s}. With
 * SciPy 1.17.1: {@code 20 - scipy.stats.expon.ppf(0.95) / 0.5 = 14.00853545289202} and {@code 15 -
 * scipy.stats.expon.ppf(0.95) / 0.5 = 9.00853545289202}.
 */
class CapacityEstimatorTest {

    private static final double SLO_MILLIS = 500;

    /** p95 of the M/M/1 response time in ms, or a saturated 10 s beyond capacity. */
    private static double p95(double mu, double lambda) {
        return lambda >= mu ? 10_000 : 1000 * Math.log(20) / (mu - lambda);
    }

    @Test
    void convergesToTheMm1LoadAtTheSloAndFollowsASlowerVersion() {
        Random random = new Random(17);
        CapacityEstimator estimator = new CapacityEstimator(SLO_MILLIS, 5, 0.05);
        for (int i = 0; i < 5_000; i++) {
            double load = 2 + 18 * random.nextDouble();
            estimator.observe(load, p95(20, load));
        }
        assertThat(estimator.capacity()).isCloseTo(14.00853545289202, within(0.3));
        // A slower version: mu 20 -> 15 requests/s.
        for (int i = 0; i < 5_000; i++) {
            double load = 2 + 18 * random.nextDouble();
            estimator.observe(load, p95(15, load));
        }
        assertThat(estimator.capacity()).isCloseTo(9.00853545289202, within(0.3));
        assertThat(estimator.raises()).isPositive();
        assertThat(estimator.cuts()).isPositive();
    }

    @Test
    void learnsNothingFromLoadsItHasNotSeen() {
        CapacityEstimator estimator = new CapacityEstimator(SLO_MILLIS, 12, 0.5);
        // Light loads within the SLO say nothing about a capacity of 12.
        PolicyUpdate u = estimator.observe(4, p95(20, 4));
        assertThat(u.changed()).isFalse();
        assertThat(estimator.capacity()).isEqualTo(12);
        // Within the SLO at 13: halfway up, 12 -> 12.5. Over the SLO at 11: halfway down.
        u = estimator.observe(13, 400);
        assertThat(u.changed()).isTrue();
        assertThat(u.after()).isEqualTo(12.5);
        assertThat(u.reason()).contains("within SLO");
        u = estimator.observe(11, 600);
        assertThat(u.after()).isEqualTo(11.75);
        assertThat(u.reason()).contains("over SLO");
        // Violation at a load above the estimate agrees with it.
        assertThat(estimator.observe(30, 9_000).changed()).isFalse();
    }

    @Test
    void restoredEstimatorContinuesBitForBitAndHasAFixedSize() {
        Random random = new Random(2);
        CapacityEstimator original = new CapacityEstimator(SLO_MILLIS, 5, 0.05);
        for (int i = 0; i < 300; i++) {
            double load = 20 * random.nextDouble();
            original.observe(load, p95(20, load));
        }
        CapacityEstimator restored = CapacityEstimator.fromBytes(original.toBytes());
        for (int i = 0; i < 1_000; i++) {
            double load = 20 * random.nextDouble();
            double p95 = p95(20, load) * (0.8 + 0.4 * random.nextDouble());
            assertThat(restored.observe(load, p95)).isEqualTo(original.observe(load, p95));
            assertThat(restored.toBytes()).isEqualTo(original.toBytes());
        }
        assertThat(original.toBytes()).hasSize(CapacityEstimator.SERIALIZED_BYTES);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new CapacityEstimator(0, 1, 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sloMillis");
        assertThatThrownBy(() -> new CapacityEstimator(1, -1, 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("priorCapacity");
        assertThatThrownBy(() -> new CapacityEstimator(1, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha");
        CapacityEstimator estimator = new CapacityEstimator(1, 1, 0.1);
        assertThatThrownBy(() -> estimator.observe(-1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("loadPerReplica");
        assertThatThrownBy(() -> estimator.observe(1, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("p95Millis");
    }
}
