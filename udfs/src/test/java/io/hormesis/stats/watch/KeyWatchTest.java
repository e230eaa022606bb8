package io.hormesis.stats.watch;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyWatchTest {
    private static final long TENTH_SECOND = 100L;

    /** Latency of a model whose decode slows down by {@code factor} from event {@code at}. */
    private static List<KeyWatch.Alarm> run(KeyWatch watch, int n, int at, double factor) {
        Random random = new Random(17);
        List<KeyWatch.Alarm> alarms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double ttft = 80 * Math.exp(0.1 * random.nextGaussian());
            double latency = ttft + (i >= at ? factor : 1.0) * 6.0 * (50 + random.nextInt(101));
            alarms.addAll(watch.observe(i * TENTH_SECOND, true, latency, ttft, "req-" + i));
        }
        return alarms;
    }

    @Test
    void aSustainedRegressionIsOneAlarmWithItsEvidence() {
        KeyWatch watch = new KeyWatch(KeyWatch.Settings.withFireP(1e-6));
        List<KeyWatch.Alarm> alarms = run(watch, 3_000, 1_500, 3.5);
        assertThat(alarms).hasSize(1);
        KeyWatch.Alarm alarm = alarms.get(0);
        assertThat(alarm.metric()).isEqualTo("latency_ms");
        // Within the first few slow requests, not after the reference has absorbed the change.
        assertThat(alarm.eventTimeMillis()).isBetween(1_500 * TENTH_SECOND, 1_510 * TENTH_SECOND);
        assertThat(alarm.detector()).isEqualTo(KeyWatch.TAIL_DETECTOR);
        assertThat(alarm.score()).isGreaterThanOrEqualTo(1 - 1e-6);
        assertThat(alarm.statistic()).endsWith("_tail_p");
        assertThat(alarm.statisticValue()).isLessThanOrEqualTo(1e-6);
        assertThat(alarm.threshold()).isEqualTo(1e-6);
        assertThat(alarm.value()).isGreaterThan(alarm.baseline().get("q95"));
        assertThat(alarm.baseline()).containsEntry("count", 1_500.0);
        assertThat(alarm.windowCount()).isEqualTo(9);
        assertThat(alarm.sourceIds())
                .hasSize(9)
                .last()
                .isEqualTo("req-" + alarm.eventTimeMillis() / TENTH_SECOND);
        assertThat(alarm.windowStartMillis()).isEqualTo(alarm.eventTimeMillis() - 8 * TENTH_SECOND);
    }

    @Test
    void staysQuietWithoutARegression() {
        KeyWatch watch = new KeyWatch(KeyWatch.Settings.withFireP(1e-6));
        assertThat(run(watch, 20_000, Integer.MAX_VALUE, 1.0)).isEmpty();
    }

    @Test
    void aRestoredWatchRaisesTheSameAlarms() {
        KeyWatch original = new KeyWatch(KeyWatch.Settings.withFireP(1e-6));
        Random random = new Random(23);
        for (int i = 0; i < 1_000; i++) {
            boolean ok = i % 50 != 0;
            original.observe(
                    i * TENTH_SECOND, ok, 300 + 20 * random.nextGaussian(), Double.NaN, "a" + i);
        }
        byte[] snapshot = original.toBytes();
        KeyWatch restored = KeyWatch.fromBytes(snapshot);
        assertThat(restored.toBytes()).isEqualTo(snapshot);
        for (int i = 1_000; i < 2_000; i++) {
            double latency = (i >= 1_500 ? 900 : 300) + 20 * random.nextGaussian();
            boolean ok = i < 1_700 ? i % 50 != 0 : i % 5 != 0;
            assertThat(restored.observe(i * TENTH_SECOND, ok, latency, 70, "b" + i))
                    .isEqualTo(original.observe(i * TENTH_SECOND, ok, latency, 70, "b" + i));
        }
        assertThat(restored.toBytes()).isEqualTo(original.toBytes());
    }

    @Test
    void anErrorRateIncreaseIsOneAlarmAndADecreaseNone() {
        KeyWatch watch = new KeyWatch(KeyWatch.Settings.withFireP(1e-6));
        List<KeyWatch.Alarm> alarms = new ArrayList<>();
        // 1 % errors, then 20 % from request 5,000, then back to 1 % from 8,000.
        for (int i = 0; i < 12_000; i++) {
            boolean ok = i >= 5_000 && i < 8_000 ? i % 5 != 0 : i % 100 != 0;
            alarms.addAll(watch.observe(i * TENTH_SECOND, ok, ok ? 300 : Double.NaN, 70, "r" + i));
        }
        assertThat(alarms).hasSize(1);
        KeyWatch.Alarm alarm = alarms.get(0);
        assertThat(alarm.metric()).isEqualTo(KeyWatch.ERROR_RATE);
        assertThat(alarm.detector()).isEqualTo(KeyWatch.ERROR_DETECTOR);
        // ADWIN (delta 1e-6, checks every 32 requests) needs a few hundred requests at 20 %.
        assertThat(alarm.eventTimeMillis()).isBetween(5_000 * TENTH_SECOND, 5_600 * TENTH_SECOND);
        // The value is ADWIN's window after the cut: recent, but still partly the old 1 %.
        assertThat(alarm.baseline().get("level")).isLessThan(0.02);
        assertThat(alarm.value()).isGreaterThan(2 * alarm.baseline().get("level"));
        assertThat(alarm.threshold()).isEqualTo(1e-6);
    }

    @Test
    void rejectsBadSettings() {
        assertThatThrownBy(() -> new KeyWatch.Settings(null, 1, 1, 0.01))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyWatch.Settings.withFireP(2.0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
