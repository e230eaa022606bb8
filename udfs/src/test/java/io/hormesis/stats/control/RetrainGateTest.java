package io.hormesis.stats.control;

import io.hormesis.stats.control.RetrainGate.Decision;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reference: the gate's contract, N consecutive drifted checks and one RETRAIN per period. */
class RetrainGateTest {

    private static final long HOUR = 3_600_000;

    @Test
    void retrainsOnlyAfterNConsecutiveDriftedChecks() {
        RetrainGate gate = new RetrainGate(3, 24 * HOUR, 16);
        assertThat(gate.check(0, Map.of("age", true, "score", false), true).retrain()).isFalse();
        assertThat(gate.check(HOUR, Map.of("age", true), true).retrain()).isFalse();
        // A clean check breaks the streak.
        assertThat(gate.check(2 * HOUR, Map.of("age", false), true).retrain()).isFalse();
        assertThat(gate.check(3 * HOUR, Map.of("age", true, "score", true), true).retrain())
                .isFalse();
        assertThat(gate.check(4 * HOUR, Map.of("age", true, "score", true), true).retrain())
                .isFalse();
        Decision d = gate.check(5 * HOUR, Map.of("age", true, "score", true, "zip", true), true);
        assertThat(d.retrain()).isTrue();
        assertThat(d.driftedFeatures()).containsExactly("age", "score");
        assertThat(d.driftSinceMillis()).isEqualTo(3 * HOUR);
        assertThat(d.reason()).contains("[age, score]");
    }

    @Test
    void anUnstableVersionResetsTheStreaks() {
        RetrainGate gate = new RetrainGate(2, 0, 16);
        gate.check(0, Map.of("age", true), true);
        Decision d = gate.check(1, Map.of("age", true), false);
        assertThat(d.retrain()).isFalse();
        assertThat(d.reason()).contains("not stable");
        assertThat(gate.check(2, Map.of("age", true), true).retrain()).isFalse();
        assertThat(gate.check(3, Map.of("age", true), true).retrain()).isTrue();
    }

    @Test
    void rateLimitsToOneRetrainPerPeriod() {
        RetrainGate gate = new RetrainGate(1, 24 * HOUR, 16);
        assertThat(gate.check(0, Map.of("age", true), true).retrain()).isTrue();
        Decision held = gate.check(23 * HOUR, Map.of("age", true), true);
        assertThat(held.retrain()).isFalse();
        assertThat(held.driftedFeatures()).containsExactly("age");
        assertThat(held.reason()).contains("rate-limited");
        assertThat(gate.check(24 * HOUR - 1, Map.of("age", true), true).retrain()).isFalse();
        assertThat(gate.check(24 * HOUR, Map.of("age", true), true).retrain()).isTrue();
    }

    @Test
    void restoredGateContinuesBitForBit() {
        List<String> features = List.of("age", "income", "zip", "score", "é-feature");
        for (int cut : new int[] {0, 3, 40}) {
            Random random = new Random(21);
            RetrainGate original = new RetrainGate(3, 10 * HOUR, 16);
            long t = 0;
            for (int i = 0; i < cut; i++, t += HOUR) {
                original.check(t, randomChecks(random, features), random.nextInt(10) != 0);
            }
            RetrainGate restored = RetrainGate.fromBytes(original.toBytes());
            for (int i = 0; i < 500; i++, t += HOUR) {
                Map<String, Boolean> checks = randomChecks(random, features);
                boolean stable = random.nextInt(10) != 0;
                assertThat(restored.check(t, checks, stable))
                        .isEqualTo(original.check(t, checks, stable));
                assertThat(restored.toBytes()).isEqualTo(original.toBytes());
                assertThat(original.toBytes().length)
                        .isLessThanOrEqualTo(RetrainGate.maxSerializedBytes(16, 12));
            }
        }
    }

    private static Map<String, Boolean> randomChecks(Random random, List<String> features) {
        Map<String, Boolean> checks = new TreeMap<>();
        for (String f : features) {
            if (random.nextInt(4) != 0) {
                checks.put(f, random.nextInt(3) != 0);
            }
        }
        return checks;
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new RetrainGate(0, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("consecutiveChecks");
        assertThatThrownBy(() -> new RetrainGate(1, -1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("periodMillis");
        assertThatThrownBy(() -> new RetrainGate(1, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxFeatures");
        RetrainGate gate = new RetrainGate(3, 1, 1);
        gate.check(0, Map.of("a", true), true);
        assertThatThrownBy(() -> gate.check(1, Map.of("b", true), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxFeatures");
    }
}
