package io.hormesis.stats.anomaly;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WindowReferenceTest {

    /** The last n kept values, sorted: an independent (slow) reference. */
    private static float[] lastSorted(double[] xs, int upTo, int capacity, int stride) {
        float[] kept = new float[upTo];
        int n = 0;
        for (int i = 0; i < upTo; i += stride) {
            kept[n++] = (float) xs[i];
        }
        float[] window = Arrays.copyOfRange(kept, Math.max(0, n - capacity), n);
        Arrays.sort(window);
        return window;
    }

    @Test
    void keepsExactlyTheLastValuesAndTheirOrderStatistics() {
        Random random = new Random(3);
        double[] xs = new double[5_000];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = Math.rint(random.nextGaussian() * 10); // many ties
        }
        WindowReference reference = new WindowReference(300, 2);
        for (int i = 0; i < xs.length; i++) {
            reference.add(xs[i]);
            if (i % 499 == 0 && i > 0) {
                float[] window = lastSorted(xs, i + 1, 300, 2);
                assertThat(reference.size()).isEqualTo(window.length);
                // Type 7 quantile (R's default): x[floor(h)] + (h - floor(h)) (x[ceil] - x[floor])
                double h = 0.5 * (window.length - 1);
                int lo = (int) Math.floor(h);
                double median =
                        window[lo]
                                + (h - lo)
                                        * (window[Math.min(lo + 1, window.length - 1)]
                                                - window[lo]);
                assertThat(reference.quantile(0.5)).isEqualTo(median);
                assertThat(reference.quantile(0)).isEqualTo(window[0]);
                assertThat(reference.quantile(1)).isEqualTo(window[window.length - 1]);
                // Mid-rank CDF at a tied value, counted by brute force.
                double x = 0;
                long below = 0;
                long equal = 0;
                for (float v : window) {
                    below += v < x ? 1 : 0;
                    equal += v == x ? 1 : 0;
                }
                double cdf = (below + 0.5 * equal) / window.length;
                assertThat(reference.lower(x)).isEqualTo(Math.max(cdf, 1.0 / (window.length + 1)));
            }
        }
    }

    @Test
    void tailsBeyondTheDataDecayExponentially() {
        WindowReference reference = new WindowReference(1000, 1);
        Random random = new Random(5);
        for (int i = 0; i < 1000; i++) {
            reference.add(random.nextGaussian());
        }
        double q95 = reference.quantile(0.95);
        double scale = (reference.quantile(0.99) - q95) / Math.log(5);
        // Past the largest kept value only the tail counts.
        double x = reference.quantile(1) + 0.01;
        assertThat(reference.upper(x))
                .isCloseTo(0.05 * Math.exp(-(x - q95) / scale), within(1e-12))
                .isLessThan(1 / 1001.0);
        assertThat(reference.upper(1e9)).isEqualTo(WindowReference.MIN_PROBABILITY);
        assertThat(reference.twoSided(reference.quantile(0.5))).isGreaterThan(0.9);
    }

    @Test
    void aRecurringSpikeIsNeverRarerThanTheWindowCountsIt() {
        // 995 normal values and 5 spikes at 50: the bulk's exponential tail would put 50 at about
        // 1e-40, but 5 of the 1,000 kept values are that high, so P(X >= 50) is 5/1001; P(X <= -50)
        // likewise for 5 dips. Past every kept value only the tail is left.
        Random random = new Random(11);
        WindowReference reference = new WindowReference(1_000, 1);
        for (int i = 0; i < 1_000; i++) {
            reference.add(i % 200 == 0 ? 50 : i % 200 == 100 ? -50 : random.nextGaussian());
        }
        assertThat(reference.upper(50)).isEqualTo(5 / 1001.0);
        assertThat(reference.upper(40)).isEqualTo(5 / 1001.0);
        assertThat(reference.lower(-50)).isEqualTo(5 / 1001.0);
        assertThat(reference.upper(51)).isLessThan(1e-12 * 2);
        assertThat(reference.lower(-51)).isLessThan(1e-12 * 2);
    }

    @Test
    void aRestoredWindowContinuesExactly() throws IOException {
        WindowReference original = new WindowReference(200, 3);
        Random random = new Random(11);
        for (int i = 0; i < 1_001; i++) {
            original.add(random.nextDouble());
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        original.writeTo(new DataOutputStream(bytes));
        assertThat(bytes.size()).isEqualTo(original.serializedBytes());
        WindowReference restored =
                WindowReference.readFrom(
                        new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), 200, 3);
        for (int i = 0; i < 1_000; i++) {
            double x = random.nextDouble();
            original.add(x);
            restored.add(x);
            assertThat(restored.upper(x)).isEqualTo(original.upper(x));
            assertThat(restored.quantile(0.3)).isEqualTo(original.quantile(0.3));
        }
    }

    @Test
    void rejectsBadSettingsAndForeignState() {
        assertThatThrownBy(() -> new WindowReference(5, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capacity >= 20");
        assertThatThrownBy(
                        () ->
                                WindowReference.readFrom(
                                        new DataInputStream(
                                                new ByteArrayInputStream(
                                                        new byte[] {0, 0, 1, 0, 0, 0, 0, 0})),
                                        100,
                                        1))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("does not fit");
    }

    private static org.assertj.core.data.Offset<Double> within(double d) {
        return org.assertj.core.data.Offset.offset(d);
    }
}
