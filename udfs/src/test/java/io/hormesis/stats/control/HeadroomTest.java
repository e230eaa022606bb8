package io.hormesis.stats.control;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Reference: values worked by hand from the multiplicative-increase, slow-decrease rule. */
class HeadroomTest {

    private static final long MINUTE = 60_000;

    private static Headroom headroom() {
        // 10 % to start, within [5 %, 50 %]; x1.5 per violation episode (at most once a minute);
        // x0.9 per 30 minutes over-provisioned.
        return new Headroom(0.10, 0.05, 0.50, 1.5, 0.9, MINUTE, 30 * MINUTE);
    }

    @Test
    void growsMultiplicativelyOncePerViolationEpisodeUpToItsMaximum() {
        Headroom h = headroom();
        PolicyUpdate u = h.observe(0, true, false);
        assertThat(u.changed()).isTrue();
        assertThat(u.after()).isCloseTo(0.15, within(1e-15));
        assertThat(u.reason()).contains("SLO violated").contains("0.1000 -> 0.1500");
        // The same episode, 59 s on: cooldown, no second growth.
        u = h.observe(59_000, true, false);
        assertThat(u.changed()).isFalse();
        assertThat(u.reason()).contains("cooldown");
        // 0.15 -> 0.225 -> 0.3375 -> 0.50625 capped at 0.5.
        assertThat(h.observe(MINUTE, true, false).after()).isCloseTo(0.225, within(1e-15));
        assertThat(h.observe(2 * MINUTE, true, false).after()).isCloseTo(0.3375, within(1e-15));
        assertThat(h.observe(3 * MINUTE, true, false).after()).isEqualTo(0.5);
        u = h.observe(4 * MINUTE, true, false);
        assertThat(u.changed()).isFalse();
        assertThat(u.reason()).contains("maximum");
    }

    @Test
    void shrinksSlowlyOnlyAfterALongOverProvisionedStretch() {
        Headroom h = headroom();
        // 29 minutes over-provisioned, then one normal tick: the stretch starts over.
        for (long t = 0; t <= 29 * MINUTE; t += MINUTE) {
            assertThat(h.observe(t, false, true).changed()).isFalse();
        }
        h.observe(30 * MINUTE, false, false);
        long start = 31 * MINUTE;
        for (long t = start; t < start + 30 * MINUTE; t += MINUTE) {
            assertThat(h.observe(t, false, true).changed()).isFalse();
        }
        PolicyUpdate u = h.observe(start + 30 * MINUTE, false, true);
        assertThat(u.changed()).isTrue();
        assertThat(u.after()).isCloseTo(0.09, within(1e-15));
        assertThat(u.reason()).contains("over-provisioned");
        // The next step needs another 30 minutes; 0.09 -> 0.081 -> 0.0729 -> ... floored at 0.05.
        assertThat(h.observe(start + 59 * MINUTE, false, true).changed()).isFalse();
        assertThat(h.observe(start + 60 * MINUTE, false, true).after())
                .isCloseTo(0.081, within(1e-15));
        for (int k = 3; k < 20; k++) {
            h.observe(start + 30 * k * MINUTE, false, true);
        }
        assertThat(h.value()).isEqualTo(0.05);
        // A violation ends the stretch and grows again.
        assertThat(h.observe(start + 1000 * MINUTE, true, true).after())
                .isCloseTo(0.075, within(1e-15));
    }

    @Test
    void restoredHeadroomContinuesBitForBitAndHasAFixedSize() {
        Random random = new Random(4);
        Headroom original = headroom();
        long t = 0;
        for (int i = 0; i < 500; i++, t += 10_000) {
            original.observe(t, random.nextInt(30) == 0, random.nextInt(3) != 0);
        }
        Headroom restored = Headroom.fromBytes(original.toBytes());
        for (int i = 0; i < 5_000; i++, t += 10_000) {
            boolean violated = random.nextInt(30) == 0;
            boolean over = random.nextInt(3) != 0;
            assertThat(restored.observe(t, violated, over))
                    .isEqualTo(original.observe(t, violated, over));
            assertThat(restored.toBytes()).isEqualTo(original.toBytes());
        }
        assertThat(original.toBytes()).hasSize(Headroom.SERIALIZED_BYTES);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new Headroom(0.1, 0, 0.5, 1.5, 0.9, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("min headroom");
        assertThatThrownBy(() -> new Headroom(0.1, 0.05, 0.01, 1.5, 0.9, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max headroom");
        assertThatThrownBy(() -> new Headroom(0.6, 0.05, 0.5, 1.5, 0.9, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("initial headroom");
        assertThatThrownBy(() -> new Headroom(0.1, 0.05, 0.5, 1.0, 0.9, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("growFactor");
        assertThatThrownBy(() -> new Headroom(0.1, 0.05, 0.5, 1.5, 1.0, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shrinkFactor");
        assertThatThrownBy(() -> new Headroom(0.1, 0.05, 0.5, 1.5, 0.9, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shrinkAfterMillis");
    }
}
