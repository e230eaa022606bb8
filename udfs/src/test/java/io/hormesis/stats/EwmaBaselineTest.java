package io.hormesis.stats;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class EwmaBaselineTest {

    @Test
    void matchesHandComputedValues() {
        // alpha = 0.5 over 1..5, worked by hand from Finch (2009) eq. 143:
        // mean 1, 1.5, 2.25, 3.125, 4.0625; variance 0, 0.25, 0.6875, 1.109375, 1.43359375.
        double[] means = {1, 1.5, 2.25, 3.125, 4.0625};
        double[] variances = {0, 0.25, 0.6875, 1.109375, 1.43359375};
        EwmaBaseline baseline = new EwmaBaseline(0.5);
        for (int i = 0; i < 5; i++) {
            baseline.update(i + 1);
            assertThat(baseline.getMean()).isEqualTo(means[i]);
            assertThat(baseline.getVariance()).isEqualTo(variances[i]);
        }
        assertThat(baseline.getCount()).isEqualTo(5);
    }

    @Test
    void equalsTheDirectlyWeightedMeanAndVariance() {
        // Independent oracle: weights (1-a)^(n-1) for the first observation and a(1-a)^(n-1-i)
        // for the others sum to one; mean and variance are the weighted sums over them.
        double alpha = 0.1;
        Random random = new Random(3);
        int n = 200;
        double[] xs = new double[n];
        EwmaBaseline baseline = new EwmaBaseline(alpha);
        for (int i = 0; i < n; i++) {
            xs[i] = 100 + 15 * random.nextGaussian() + (i > 150 ? 40 : 0);
            baseline.update(xs[i]);
        }
        double[] weights = new double[n];
        weights[0] = Math.pow(1 - alpha, n - 1);
        for (int i = 1; i < n; i++) {
            weights[i] = alpha * Math.pow(1 - alpha, n - 1 - i);
        }
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += weights[i] * xs[i];
        }
        double variance = 0;
        for (int i = 0; i < n; i++) {
            variance += weights[i] * (xs[i] - mean) * (xs[i] - mean);
        }
        assertThat(baseline.getMean()).isCloseTo(mean, within(1e-9));
        assertThat(baseline.getVariance()).isCloseTo(variance, within(1e-9));
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new EwmaBaseline(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EwmaBaseline(1.5))
                .isInstanceOf(IllegalArgumentException.class);
        EwmaBaseline baseline = new EwmaBaseline(0.2);
        assertThatThrownBy(() -> baseline.update(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(baseline.getCount()).isZero();
    }
}
