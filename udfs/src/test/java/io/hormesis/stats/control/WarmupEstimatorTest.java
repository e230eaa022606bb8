package io.hormesis.stats.control;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reference: EWMA values worked by hand ({@code m += alpha (x - m)}). */
class WarmupEstimatorTest {

    @Test
    void learnsTheWarmupFromOutcomes() {
        WarmupEstimator warmup = new WarmupEstimator(60_000, 0.5);
        assertThat(warmup.leadMillis()).isEqualTo(60_000);
        PolicyUpdate u = warmup.onOutcome(1_000, 41_000); // 40 s: 60 -> 50 s
        assertThat(u.after()).isEqualTo(50_000);
        assertThat(u.reason()).contains("40000 ms").contains("60000 -> 50000");
        warmup.onOutcome(100_000, 180_000); // 80 s: 50 -> 65 s
        assertThat(warmup.leadMillis()).isEqualTo(65_000);
        assertThat(warmup.outcomes()).isEqualTo(2);
    }

    @Test
    void restoredEstimatorContinuesBitForBitAndHasAFixedSize() {
        Random random = new Random(6);
        WarmupEstimator original = new WarmupEstimator(30_000, 0.2);
        for (int i = 0; i < 50; i++) {
            original.onOutcome(0, 20_000 + random.nextInt(40_000));
        }
        WarmupEstimator restored = WarmupEstimator.fromBytes(original.toBytes());
        for (int i = 0; i < 500; i++) {
            long ready = 20_000 + random.nextInt(40_000);
            assertThat(restored.onOutcome(0, ready)).isEqualTo(original.onOutcome(0, ready));
            assertThat(restored.toBytes()).isEqualTo(original.toBytes());
        }
        assertThat(original.toBytes()).hasSize(WarmupEstimator.SERIALIZED_BYTES);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new WarmupEstimator(-1, 0.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("priorMillis");
        assertThatThrownBy(() -> new WarmupEstimator(1, 1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha");
        WarmupEstimator warmup = new WarmupEstimator(1, 0.5);
        assertThatThrownBy(() -> warmup.onOutcome(10, 5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not precede");
    }
}
