package io.hormesis.stats.control;

import io.hormesis.stats.control.ScaleDecider.Action;
import io.hormesis.stats.control.ScaleDecider.Config;
import io.hormesis.stats.control.ScaleDecider.Decision;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * References: Kubernetes HPA documentation, "Horizontal Pod Autoscaling"
 * (kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/): algorithm details (skip
 * scaling when the usage ratio is within the 0.1 tolerance), stabilisation window ("the highest
 * recommendation within the window", default 300 s for scale-down, 0 s for scale-up). Knative
 * Serving autoscaling documentation, "Configuring scale bounds / KPA" (knative.dev/docs/serving/
 * autoscaling/kpa-specific/): stable window 60 s, panic window 10 % of it (6 s), panic threshold
 * 200 %, no scale-down while in panic, panic ends after a stable window without the condition.
 */
class ScaleDeciderTest {

    private static final double CAPACITY = 10.0; // requests/s per replica

    private static ScaleDecider decider() {
        return new ScaleDecider(Config.defaults(1, 50, 30_000));
    }

    @Test
    void defaultsAreTheHpaAndKnativeDefaults() {
        Config config = Config.defaults(1, 50, 30_000);
        assertThat(config.tolerance()).isEqualTo(0.10);
        assertThat(config.scaleDownWindowMillis()).isEqualTo(300_000);
        assertThat(config.stableWindowMillis()).isEqualTo(60_000);
        assertThat(config.panicWindowMillis()).isEqualTo(6_000);
        assertThat(config.panicThreshold()).isEqualTo(2.0);
    }

    @Test
    void noiseWithinTheToleranceNeverFlaps() {
        Random random = new Random(11);
        double[] forecasts = new double[3_600];
        for (int i = 0; i < forecasts.length; i++) {
            forecasts[i] = 100 * (1 + 0.09 * (2 * random.nextDouble() - 1)); // within +-9 %
        }
        ScaleDecider hpa = decider();
        for (int i = 0; i < forecasts.length; i++) {
            Decision d = hpa.decide(1_000L * i, forecasts[i], forecasts[i], CAPACITY, 10, 0.0);
            assertThat(d.action()).as("tick %d", i).isEqualTo(Action.HOLD);
        }
        // Just outside the band: 115 req/s on 10 replicas of 10 is a ratio of 1.15, HPA scales to
        // ceil(11.5) = 12 on the same tick.
        Decision d = hpa.decide(3_600_000, 115, 115, CAPACITY, 10, 0.0);
        assertThat(d.action()).isEqualTo(Action.SCALE);
        assertThat(d.targetReplicas()).isEqualTo(12);

        // The same noise without tolerance or stabilisation flaps: the test could fail.
        ScaleDecider naive = new ScaleDecider(new Config(1, 50, 0.0, 0, 60_000, 6_000, 2.0, 1));
        int replicas = 10;
        int commands = 0;
        for (int i = 0; i < forecasts.length; i++) {
            Decision n =
                    naive.decide(1_000L * i, forecasts[i], forecasts[i], CAPACITY, replicas, 0);
            if (n.action() == Action.SCALE) {
                commands++;
                replicas = n.targetReplicas();
                naive.onOutcome();
            }
        }
        assertThat(commands).isGreaterThan(100);
    }

    @Test
    void aBriefDipDoesNotScaleDownAndASustainedOneDoesAfterTheWindow() {
        ScaleDecider decider = decider();
        long t = 0;
        for (; t < 400_000; t += 1_000) {
            assertThat(decider.decide(t, 100, 100, CAPACITY, 10, 0).action())
                    .isEqualTo(Action.HOLD);
        }
        // A 60 s dip to half the load recommends 5 replicas; the highest recommendation of the last
        // 300 s is still 10, so it holds.
        for (long end = t + 60_000; t < end; t += 1_000) {
            Decision d = decider.decide(t, 50, 50, CAPACITY, 10, 0);
            assertThat(d.action()).isEqualTo(Action.HOLD);
            assertThat(d.reason()).contains("needs 5").contains("highest of the last 300 s is 10");
        }
        for (long end = t + 120_000; t < end; t += 1_000) {
            assertThat(decider.decide(t, 100, 100, CAPACITY, 10, 0).action())
                    .isEqualTo(Action.HOLD);
        }
        // A sustained drop: the last recommendation of 10 was at dipStart - 1 s; it leaves the
        // 300 s window 299 s after the drop starts, and not a tick before.
        long dipStart = t;
        Decision d;
        do {
            d = decider.decide(t, 50, 50, CAPACITY, 10, 0);
            t += 1_000;
        } while (d.action() == Action.HOLD && t < dipStart + 400_000);
        assertThat(d.action()).isEqualTo(Action.SCALE);
        assertThat(d.targetReplicas()).isEqualTo(5);
        assertThat(t - 1_000 - dipStart).isEqualTo(299_000);
    }

    @Test
    void aReleasedWindowScalesDownAtOnce() {
        ScaleDecider decider = decider();
        long t = 0;
        for (; t < 60_000; t += 1_000) {
            decider.decide(t, 100, 100, CAPACITY, 10, 0);
        }
        // 50 req/s needs 5, held by the window's 10 ...
        assertThat(decider.decide(t, 50, 50, CAPACITY, 10, 0).action()).isEqualTo(Action.HOLD);
        t += 1_000;
        // ... until the caller says the load it was for is over.
        decider.releaseStabilisation();
        Decision d = decider.decide(t, 50, 50, CAPACITY, 10, 0);
        assertThat(d.action()).isEqualTo(Action.SCALE);
        assertThat(d.targetReplicas()).isEqualTo(5);
    }

    @Test
    void scalesUpImmediatelyWithHeadroom() {
        ScaleDecider decider = decider();
        for (long t = 0; t < 10_000; t += 1_000) {
            decider.decide(t, 50, 50, CAPACITY, 6, 0.2); // needs ceil(60 / 10) = 6: hold
        }
        // 150 req/s with 20 % headroom needs ceil(180 / 10) = 18 replicas, at once.
        Decision d = decider.decide(10_000, 150, 60, CAPACITY, 6, 0.2);
        assertThat(d.action()).isEqualTo(Action.SCALE);
        assertThat(d.targetReplicas()).isEqualTo(18);
        assertThat(d.panic()).isFalse();
    }

    @Test
    void panicsAtTwiceTheCapacityOnTheSixSecondWindowAndNeverScalesDownWhilePanicking() {
        ScaleDecider decider = decider();
        long t = 0;
        for (; t < 20_000; t += 1_000) {
            decider.decide(t, 50, 50, CAPACITY, 5, 0);
        }
        // 180 % of capacity (90 on 50) is not panic.
        for (long end = t + 10_000; t < end; t += 1_000) {
            assertThat(decider.decide(t, 50, 90, CAPACITY, 5, 0).panic()).isFalse();
        }
        for (long end = t + 10_000; t < end; t += 1_000) {
            decider.decide(t, 50, 50, CAPACITY, 5, 0);
        }
        // The forecast lags at 50 while 120 req/s arrive (240 %). The 6 s average reaches 200 % of
        // the capacity of 50 on the 5th tick: (50 + 5 * 120) / 6 = 108.3 >= 100.
        Decision d = null;
        for (int k = 1; k <= 5; k++, t += 1_000) {
            d = decider.decide(t, 50, 120, CAPACITY, 5, 0);
            assertThat(d.panic()).as("tick %d of the surge", k).isEqualTo(k == 5);
        }
        assertThat(d.action()).isEqualTo(Action.SCALE);
        assertThat(d.targetReplicas()).isEqualTo(11); // ceil(108.3 / 10)
        long lastTrigger = t - 1_000;
        decider.onOutcome();
        // The load vanishes; while panicking (60 s after the last trigger) it never scales down.
        for (; t < lastTrigger + 60_000; t += 1_000) {
            d = decider.decide(t, 20, 20, CAPACITY, 11, 0);
            assertThat(d.panic()).isTrue();
            assertThat(d.action()).isEqualTo(Action.HOLD);
        }
        d = decider.decide(t, 20, 20, CAPACITY, 11, 0);
        assertThat(d.panic()).isFalse();
        // Out of panic, the panic recommendation of 11 still holds the 300 s scale-down window.
        assertThat(d.action()).isEqualTo(Action.HOLD);
    }

    @Test
    void oneCommandInFlightUntilItsOutcomeOrExpiry() {
        ScaleDecider decider = decider();
        Decision d = decider.decide(0, 200, 100, CAPACITY, 10, 0);
        assertThat(d.action()).isEqualTo(Action.SCALE);
        assertThat(d.targetReplicas()).isEqualTo(20);
        assertThat(decider.commandInFlight()).isTrue();
        // Load keeps rising, but no new command until the outcome.
        d = decider.decide(1_000, 300, 150, CAPACITY, 10, 0);
        assertThat(d.action()).isEqualTo(Action.HOLD);
        assertThat(d.reason()).contains("command to 20 replicas in flight");
        decider.onOutcome();
        d = decider.decide(2_000, 300, 150, CAPACITY, 20, 0);
        assertThat(d.action()).isEqualTo(Action.SCALE);
        assertThat(d.targetReplicas()).isEqualTo(30);
        // No outcome: held until the 30 s expiry, then the expiry is reported once for escalation.
        assertThat(decider.decide(31_999, 400, 150, CAPACITY, 20, 0).action())
                .isEqualTo(Action.HOLD);
        d = decider.decide(32_000, 400, 150, CAPACITY, 20, 0);
        assertThat(d.previousExpired()).isTrue();
        assertThat(d.reason()).contains("expired");
        assertThat(d.action()).isEqualTo(Action.SCALE);
        assertThat(d.targetReplicas()).isEqualTo(40);
        d = decider.decide(33_000, 400, 150, CAPACITY, 20, 0);
        assertThat(d.previousExpired()).isFalse();
    }

    @Test
    void staysWithinMinAndMaxReplicas() {
        ScaleDecider decider = new ScaleDecider(new Config(2, 8, 0.1, 0, 60_000, 6_000, 2.0, 1));
        Decision d = decider.decide(0, 10_000, 30, CAPACITY, 4, 0);
        assertThat(d.targetReplicas()).isEqualTo(8);
        decider.onOutcome();
        d = decider.decide(1_000, 0, 0, CAPACITY, 8, 0);
        assertThat(d.action()).isEqualTo(Action.SCALE);
        assertThat(d.targetReplicas()).isEqualTo(2);
        decider.onOutcome();
        // Below the minimum (a crash left one replica): back to 2 even with no forecast yet.
        d = decider.decide(2_000, Double.NaN, 0, CAPACITY, 1, 0);
        assertThat(d.action()).isEqualTo(Action.SCALE);
        assertThat(d.targetReplicas()).isEqualTo(2);
    }

    @Test
    void restoredDeciderContinuesBitForBit() {
        for (int cut : new int[] {0, 7, 150, 900}) {
            Random random = new Random(5);
            ScaleDecider original = decider();
            Sim sim = new Sim();
            for (int i = 0; i < cut; i++) {
                sim.step(original, random, i);
            }
            ScaleDecider restored = ScaleDecider.fromBytes(original.toBytes());
            Random random2 = new Random(99);
            Random random3 = new Random(99);
            Sim simA = sim.copy();
            Sim simB = sim.copy();
            for (int i = cut; i < cut + 1_500; i++) {
                Decision a = simA.step(original, random2, i);
                Decision b = simB.step(restored, random3, i);
                assertThat(b).isEqualTo(a);
                assertThat(restored.toBytes()).isEqualTo(original.toBytes());
            }
        }
    }

    @Test
    void serializedSizeStaysWithinItsBound() {
        Random random = new Random(8);
        ScaleDecider decider = decider();
        Sim sim = new Sim();
        int max = 0;
        int panics = 0;
        int expiries = 0;
        for (int i = 0; i < 5_000; i++) {
            Decision d = sim.step(decider, random, i);
            panics += d.panic() ? 1 : 0;
            expiries += d.previousExpired() ? 1 : 0;
            max = Math.max(max, decider.toBytes().length);
        }
        // The simulation reaches the states that fill the panic slots and the window.
        assertThat(panics).isPositive();
        assertThat(expiries).isPositive();
        assertThat(max).isLessThanOrEqualTo(ScaleDecider.maxSerializedBytes(1, 50));
        // 1..50 replicas: under 1 KiB of keyed state per deployment.
        assertThat(ScaleDecider.maxSerializedBytes(1, 50)).isLessThan(1_024);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> Config.defaults(-1, 5, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minReplicas");
        assertThatThrownBy(() -> Config.defaults(5, 4, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxReplicas");
        assertThatThrownBy(() -> new Config(1, 5, 1.0, 0, 1, 6, 2, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tolerance");
        assertThatThrownBy(() -> new Config(1, 5, 0.1, 0, 1, 7, 2, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("panicWindowMillis");
        assertThatThrownBy(() -> new Config(1, 5, 0.1, 0, 1, 6, 1.0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("panicThreshold");
        assertThatThrownBy(() -> Config.defaults(1, 5, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("commandTimeoutMillis");
        ScaleDecider decider = decider();
        assertThatThrownBy(() -> decider.decide(0, -1, 0, CAPACITY, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forecastRate");
        assertThatThrownBy(() -> decider.decide(0, 1, Double.NaN, CAPACITY, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("observedRate");
        assertThatThrownBy(() -> decider.decide(0, 1, 1, 0, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capacityPerReplica");
        assertThatThrownBy(() -> decider.decide(0, 1, 1, CAPACITY, -1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("currentReplicas");
        assertThatThrownBy(() -> decider.decide(0, 1, 1, CAPACITY, 1, -0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("headroom");
        decider.decide(5_000, 1, 1, CAPACITY, 1, 0);
        assertThatThrownBy(() -> decider.decide(4_000, 1, 1, CAPACITY, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("backwards");
        assertThatThrownBy(() -> ScaleDecider.fromBytes(new byte[] {9}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version");
    }

    /** A bursty load on a deployment that applies commands after a random delay. */
    private static final class Sim {
        int replicas = 5;
        double level = 50;
        int pendingTarget = -1;
        int pendingTicks;

        Decision step(ScaleDecider decider, Random random, int i) {
            level =
                    Math.max(
                            0,
                            level
                                    + random.nextGaussian() * 8
                                    + (random.nextInt(200) == 0 ? 150 : 0));
            if (random.nextInt(100) == 0) {
                level = 30;
            }
            double observed = Math.max(0, level * (1 + 0.2 * random.nextGaussian()));
            Decision d = decider.decide(1_000L * i, level, observed, CAPACITY, replicas, 0.1);
            if (pendingTarget >= 0 && --pendingTicks <= 0) {
                replicas = pendingTarget;
                pendingTarget = -1;
                if (random.nextInt(4) != 0) {
                    decider.onOutcome(); // some outcomes are lost and expire
                }
            }
            if (d.action() == Action.SCALE) {
                pendingTarget = d.targetReplicas();
                pendingTicks = 1 + random.nextInt(20);
            }
            return d;
        }

        Sim copy() {
            Sim s = new Sim();
            s.replicas = replicas;
            s.level = level;
            s.pendingTarget = pendingTarget;
            s.pendingTicks = pendingTicks;
            return s;
        }
    }
}
