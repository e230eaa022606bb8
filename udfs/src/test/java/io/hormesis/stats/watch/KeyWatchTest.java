package io.hormesis.stats.watch;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyWatchTest {
    private static final KeyWatch.Settings DEFAULTS = KeyWatch.Settings.withFireP(1e-6);

    /** Collects what closing windows produces. */
    static final class Collected implements KeyWatch.Listener {
        final List<KeyWatch.Alarm> alarms = new ArrayList<>();
        final List<KeyWatch.Baseline> baselines = new ArrayList<>();

        @Override
        public void alarm(KeyWatch.Alarm alarm) {
            alarms.add(alarm);
        }

        @Override
        public void baseline(KeyWatch.Baseline baseline) {
            baselines.add(baseline);
        }
    }

    /** Aggregates requests per interval as WATCH's pre-aggregation does, for one key. */
    static final class Feed {
        final KeyWatch watch;
        final Collected out = new Collected();
        IntervalStats open;

        Feed(KeyWatch watch) {
            this.watch = watch;
        }

        void request(long t, boolean ok, double latency, double ttft, String id) {
            long interval = KeyWatch.intervalOf(t, watch.settings().intervalMillis());
            if (open != null && open.intervalStart() != interval) {
                flush();
            }
            if (open == null) {
                open = new IntervalStats(interval, watch.settings().idCap());
            }
            open.record(t, ok, ok ? latency : Double.NaN, ok ? ttft : Double.NaN, id);
        }

        void flush() {
            if (open != null) {
                watch.add(open, out);
                open = null;
            }
        }
    }

    /**
     * An LLM's requests every {@code gapMillis}; decode slows by {@code factor} from {@code at}.
     */
    private static Feed run(Feed feed, int from, int n, long gapMillis, int at, double factor) {
        Random random = new Random(17 + from);
        for (int i = from; i < from + n; i++) {
            double ttft = 80 * Math.exp(0.1 * random.nextGaussian());
            double latency = ttft + (i >= at ? factor : 1.0) * 6.0 * (50 + random.nextInt(101));
            feed.request(i * gapMillis, true, latency, ttft, "req-" + i);
        }
        return feed;
    }

    @Test
    void aSustainedRegressionIsOneAlarmAtTheEndOfTheFirstSlowInterval() {
        Feed feed = run(new Feed(new KeyWatch(DEFAULTS)), 0, 3_000, 100, 1_500, 3.5);
        feed.flush();
        assertThat(feed.out.alarms).hasSize(1);
        KeyWatch.Alarm alarm = feed.out.alarms.get(0);
        assertThat(alarm.metric()).isEqualTo("latency_ms");
        assertThat(alarm.detector()).isEqualTo(KeyWatch.EXCEEDANCE_DETECTOR);
        // The interval [150 s, 160 s) is the first slow one: judged when it closes, at its last
        // request, with all 100 requests as the window.
        assertThat(alarm.windowStartMillis()).isEqualTo(150_000);
        assertThat(alarm.eventTimeMillis()).isEqualTo(159_900);
        assertThat(alarm.windowCount()).isEqualTo(100);
        assertThat(alarm.statistic()).isEqualTo(KeyWatch.STATISTIC);
        assertThat(alarm.statisticValue()).isLessThanOrEqualTo(1e-6);
        assertThat(alarm.score()).isGreaterThanOrEqualTo(1 - 1e-6);
        assertThat(alarm.threshold()).isEqualTo(1e-6);
        assertThat(alarm.value()).isGreaterThan(alarm.baseline().get("q95"));
        assertThat(alarm.baseline().get("window_fraction_above")).isGreaterThan(0.9);
        assertThat(alarm.baseline().get("expected_fraction_above")).isBetween(0.01, 0.06);
        // The reference: 1,500 requests learned, decayed to about 30 windows' worth.
        assertThat(alarm.baseline().get("count")).isBetween(1_000.0, 1_500.0);
        assertThat(alarm.sourceIds()).hasSize(32).first().isEqualTo("req-1500");
        // The baseline level is the median of the fast requests: 80 + 6 * 100, within a bucket.
        assertThat(alarm.baseline().get("level")).isBetween(640.0, 720.0);
        assertThat(alarm.value() / alarm.baseline().get("level")).isBetween(2.8, 3.6);
    }

    @Test
    void staysQuietWithoutARegression() {
        Feed slow = run(new Feed(new KeyWatch(DEFAULTS)), 0, 100_000, 100, Integer.MAX_VALUE, 1);
        slow.flush();
        assertThat(slow.out.alarms).isEmpty();
        // A key with 500 requests/s: 5,000 per window, where a trivial shift would be significant.
        Feed busy = run(new Feed(new KeyWatch(DEFAULTS)), 0, 300_000, 2, Integer.MAX_VALUE, 1);
        busy.flush();
        assertThat(busy.out.alarms).isEmpty();
    }

    @Test
    void aBusyKeyDoesNotFireOnASmallShiftButDoesOnARegression() {
        Feed small = run(new Feed(new KeyWatch(DEFAULTS)), 0, 300_000, 2, 150_000, 1.1);
        small.flush();
        assertThat(small.out.alarms).isEmpty();
        Feed big = run(new Feed(new KeyWatch(DEFAULTS)), 0, 300_000, 2, 150_000, 2.0);
        big.flush();
        assertThat(big.out.alarms).hasSize(1);
        assertThat(big.out.alarms.get(0).windowStartMillis()).isEqualTo(300_000);
        assertThat(big.out.alarms.get(0).sourceIds()).hasSize(32);
    }

    @Test
    void aLowRateKeyIsJudgedOnWindowsOfSeveralIntervals() {
        // One request every 2.5 s: 4 per interval, so a window spans 3 intervals (12 requests).
        Feed feed = run(new Feed(new KeyWatch(DEFAULTS)), 0, 800, 2_500, 400, 3.5);
        feed.flush();
        assertThat(feed.out.alarms).hasSize(1);
        KeyWatch.Alarm alarm = feed.out.alarms.get(0);
        assertThat(alarm.windowCount()).isEqualTo(12);
        assertThat(alarm.eventTimeMillis() - alarm.windowStartMillis()).isEqualTo(27_500);
        // Found in the first window that holds slow requests (from 1,000 s): 8 of its 12 are.
        assertThat(alarm.windowStartMillis()).isBetween(970_000L, 1_000_000L);
        assertThat(alarm.eventTimeMillis()).isGreaterThanOrEqualTo(1_000_000L);
    }

    @Test
    void aWatermarkClosesTheOpenWindowAtItsDeadline() {
        KeyWatch watch = new KeyWatch(DEFAULTS);
        Collected out = new Collected();
        IntervalStats few = new IntervalStats(0, 4);
        for (int i = 0; i < 5; i++) {
            few.record(1_000L * i, true, 100, 10, "a" + i);
        }
        watch.add(few, out);
        // Five requests: below 10, so the window stays open up to 6 intervals.
        assertThat(watch.closeDeadline()).isEqualTo(60_000);
        IntervalStats more = new IntervalStats(10_000, 4);
        for (int i = 0; i < 5; i++) {
            more.record(10_000L + i, true, 100, 10, "b" + i);
        }
        watch.add(more, out);
        assertThat(watch.openRequests()).isEqualTo(10);
        assertThat(watch.closeDeadline()).isEqualTo(20_000);
        watch.advanceTo(19_999, out);
        assertThat(watch.openRequests()).isEqualTo(10);
        watch.advanceTo(20_000, out);
        assertThat(watch.openRequests()).isZero();
        assertThat(watch.closeDeadline()).isEqualTo(Long.MAX_VALUE);
        // The first window of a key reports its baselines: one per signal.
        assertThat(out.baselines)
                .extracting(KeyWatch.Baseline::metric)
                .containsExactly("latency_ms", "ttft_ms", "error_rate");
        assertThat(out.baselines.get(0).count()).isEqualTo(10);
    }

    @Test
    void aLatePartialJoinsTheOpenWindow() {
        KeyWatch watch = new KeyWatch(DEFAULTS);
        Collected out = new Collected();
        IntervalStats a = new IntervalStats(10_000, 4);
        a.record(10_500, true, 100, 10, "a");
        IntervalStats late = new IntervalStats(0, 4);
        late.record(9_000, true, 100, 10, "late");
        watch.add(a, out);
        watch.add(late, out);
        assertThat(watch.openRequests()).isEqualTo(2);
    }

    @Test
    void baselinesComeEveryBaselineIntervalWithTheLearnedLevel() {
        Feed feed = run(new Feed(new KeyWatch(DEFAULTS)), 0, 6_000, 100, Integer.MAX_VALUE, 1);
        feed.flush();
        // 600 s of event time: one snapshot per signal per minute.
        assertThat(feed.out.baselines).hasSize(30);
        KeyWatch.Baseline last = feed.out.baselines.get(27);
        assertThat(last.metric()).isEqualTo("latency_ms");
        // The first window to end in the last minute, [540 s, 550 s).
        assertThat(last.eventTimeMillis()).isEqualTo(549_900);
        assertThat(last.count()).isEqualTo(5_500);
        assertThat(last.level()).isBetween(640.0, 720.0);
        // Uniform 50..150 tokens at 6 ms: IQR 300 ms, so a robust sigma near 222.
        assertThat(last.spread()).isBetween(200.0, 245.0);
        assertThat(last.lastScore()).isBetween(0.0, 1.0);
        assertThat(last.statistics()).containsKeys("q05", "q95", "q99", "request_rate");
        assertThat(last.statistics().get("request_rate")).isBetween(9.9, 10.2);
        KeyWatch.Baseline errors = feed.out.baselines.get(29);
        assertThat(errors.metric()).isEqualTo(KeyWatch.ERROR_RATE);
        assertThat(errors.level()).isZero();
    }

    @Test
    void aRestoredWatchRaisesTheSameAlarmsAndBaselines() {
        Feed original = new Feed(new KeyWatch(DEFAULTS));
        Random random = new Random(23);
        for (int i = 0; i < 3_000; i++) {
            boolean ok = i % 50 != 0;
            original.request(i * 100L, ok, 300 + 20 * random.nextGaussian(), 70, "a" + i);
        }
        // Mid-interval: the open window and the aggregate in flight are both part of the state.
        original.flush();
        byte[] snapshot = original.watch.toBytes();
        Feed restored = new Feed(KeyWatch.fromBytes(snapshot));
        assertThat(restored.watch.toBytes()).isEqualTo(snapshot);
        for (int i = 3_000; i < 9_000; i++) {
            double latency = (i >= 5_000 ? 900 : 300) + 20 * random.nextGaussian();
            boolean ok = i < 7_000 ? i % 50 != 0 : i % 5 != 0;
            original.request(i * 100L, ok, latency, 70, "b" + i);
            restored.request(i * 100L, ok, latency, 70, "b" + i);
        }
        original.flush();
        restored.flush();
        assertThat(original.out.alarms)
                .extracting(KeyWatch.Alarm::metric)
                .containsExactly("latency_ms", KeyWatch.ERROR_RATE);
        assertThat(restored.out.alarms).isEqualTo(original.out.alarms);
        assertThat(restored.out.baselines)
                .isEqualTo(
                        original.out.baselines.subList(
                                original.out.baselines.size() - restored.out.baselines.size(),
                                original.out.baselines.size()));
        assertThat(restored.watch.toBytes()).isEqualTo(original.watch.toBytes());
        assertThat(original.watch.stateBytes()).isLessThan(4_096);
    }

    @Test
    void anErrorRateIncreaseIsOneAlarmAndADecreaseNone() {
        Feed feed = new Feed(new KeyWatch(DEFAULTS));
        // 1 % errors, then 20 % from request 5,000, then back to 1 % from 8,000.
        for (int i = 0; i < 12_000; i++) {
            boolean ok = i >= 5_000 && i < 8_000 ? i % 5 != 0 : i % 100 != 0;
            feed.request(i * 100L, ok, 300, 70, "r" + i);
        }
        feed.flush();
        assertThat(feed.out.alarms).hasSize(1);
        KeyWatch.Alarm alarm = feed.out.alarms.get(0);
        assertThat(alarm.metric()).isEqualTo(KeyWatch.ERROR_RATE);
        assertThat(alarm.detector()).isEqualTo(KeyWatch.ERROR_DETECTOR);
        // The first interval at 20 %: [500 s, 510 s), judged at its last request.
        assertThat(alarm.eventTimeMillis()).isEqualTo(509_900);
        assertThat(alarm.value()).isEqualTo(0.2);
        assertThat(alarm.baseline().get("level")).isBetween(0.009, 0.011);
        assertThat(alarm.statisticValue()).isLessThanOrEqualTo(1e-6);
        assertThat(alarm.threshold()).isEqualTo(1e-6);
    }

    @Test
    void theBinomialTailMatchesScipy() {
        // The exact sum of C(n, i) p^i (1-p)^(n-i) for i >= k, in Python's fractions.Fraction.
        assertThat(KeyWatch.upperTail(100, 0.05, 15)).isCloseTo(1.3585423899e-4, within(1e-12));
        assertThat(KeyWatch.upperTail(1000, 0.01, 30)).isCloseTo(2.05998885e-7, within(1e-14));
        assertThat(KeyWatch.upperTail(10, 0.05, 10)).isCloseTo(9.765625e-14, within(1e-18));
        assertThat(KeyWatch.upperTail(10, 0.05, 0)).isEqualTo(1.0);
        assertThat(KeyWatch.upperTail(10, 0.05, 11)).isEqualTo(0.0);
    }

    private static org.assertj.core.data.Offset<Double> within(double d) {
        return org.assertj.core.data.Offset.offset(d);
    }

    @Test
    void rejectsBadSettings() {
        assertThatThrownBy(() -> KeyWatch.Settings.withFireP(2.0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyWatch.Settings.of(1e-6, 0, 60_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("intervalMillis");
    }
}
