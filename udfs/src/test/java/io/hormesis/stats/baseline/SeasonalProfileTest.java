package io.hormesis.stats.baseline;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SeasonalProfileTest {

    private static final long MINUTE = 60_000L;
    private static final long HOUR = 60 * MINUTE;

    /** A Monday, 00:00 UTC. */
    private static final long START = Instant.parse("2026-01-05T00:00:00Z").toEpochMilli();

    /** Injected daily shape, constant within each hour; sums to zero over the day. */
    private static double daily(int h) {
        return 20 * Math.sin(2 * Math.PI * h / 24) + 5 * Math.cos(4 * Math.PI * h / 24);
    }

    /** Injected weekly shape, Monday first: weekdays +6, weekend -15; sums to zero. */
    private static final double[] WEEKLY = {6, 6, 6, 6, 6, -15, -15};

    /** Noise sd: 4 in working hours 09-17 UTC, 1 otherwise. */
    private static double noise(int h) {
        return h >= 9 && h < 17 ? 4.0 : 1.0;
    }

    private static double truth(long t) {
        int h = (int) ((t - START) / HOUR % 24);
        int d = (int) ((t - START) / (24 * HOUR) % 7);
        return 100 + 0.02 * (t - START) / HOUR + daily(h) + WEEKLY[d];
    }

    private static SeasonalProfile profile() {
        return new SeasonalProfile(0.0003, 0.01, 0.02, 0.2, 0.02, 0);
    }

    @Test
    void recoversAnInjectedDailyAndWeeklyPattern() {
        // Ten weeks of 5-minute samples of 100 + 0.02/h trend + daily + weekly + noise, for three
        // seeds. Tolerances: hour effects within 1.5 (the EWMA noise alone has sd
        // 4 sqrt(0.02 / 1.98) = 0.4 in the busy hours), day effects within 1.0, trend within
        // 0.01/h, spreads within 25% of the injected noise sd.
        for (long seed : new long[] {41, 42, 43}) {
            SeasonalProfile profile = profile();
            Random random = new Random(seed);
            long end = START + 10 * 7 * 24 * HOUR;
            for (long t = START; t < end; t += 5 * MINUTE) {
                int h = (int) ((t - START) / HOUR % 24);
                profile.update(t, truth(t) + noise(h) * random.nextGaussian());
            }
            for (int h = 0; h < 24; h++) {
                assertThat(profile.hourEffect(h))
                        .as("seed %d hour %d", seed, h)
                        .isCloseTo(daily(h), within(1.5));
            }
            for (int d = 0; d < 7; d++) {
                assertThat(profile.dayEffect(d))
                        .as("seed %d day %d", seed, d)
                        .isCloseTo(WEEKLY[d], within(1.0));
            }
            assertThat(profile.trendPerHour()).as("seed %d", seed).isCloseTo(0.02, within(0.01));
            for (long t = end; t < end + 7 * 24 * HOUR; t += 7 * HOUR) {
                assertThat(profile.expected(t))
                        .as("seed %d expected at %d", seed, t)
                        .isCloseTo(truth(t), within(2.0));
            }
            long quiet = end + 2 * HOUR; // Monday 02:00
            long busy = end + 12 * HOUR; // Monday 12:00
            assertThat(profile.spread(quiet)).as("seed %d", seed).isCloseTo(1.0, within(0.25));
            assertThat(profile.spread(busy)).as("seed %d", seed).isCloseTo(4.0, within(1.0));
            assertThat(profile.residual(busy, 200.0)).isEqualTo(200.0 - profile.expected(busy));
        }
    }

    @Test
    void binsFollowJavaTimeAtAFixedOffset() {
        // Independent implementation: java.time's ZonedDateTime at the same fixed offset.
        Random random = new Random(43);
        for (int offset : new int[] {0, 330, -480, 1080}) {
            SeasonalProfile profile = new SeasonalProfile(0.1, 0, 0.1, 0.1, 0.1, offset);
            for (int i = 0; i < 2_000; i++) {
                long t = (long) (random.nextDouble() * 4e12) - 1_000_000_000_000L;
                ZonedDateTime local =
                        Instant.ofEpochMilli(t).atZone(ZoneOffset.ofTotalSeconds(offset * 60));
                assertThat(profile.hourOfDay(t)).isEqualTo(local.getHour());
                assertThat(profile.dayOfWeek(t)).isEqualTo(local.getDayOfWeek().getValue() - 1);
            }
        }
    }

    @Test
    void effectsStayCentredAndTheLevelHoldsTheMean() {
        // Constant 50 with a +10 bump at 12:00-12:59: the hour effects sum to zero, so the level
        // stays at the de-seasonalised mean 50 + 10/24.
        SeasonalProfile profile = new SeasonalProfile(0.02, 0, 0.1, 0.1, 0.1, 0);
        for (long t = START; t < START + 28 * 24 * HOUR; t += 10 * MINUTE) {
            int h = (int) ((t - START) / HOUR % 24);
            profile.update(t, h == 12 ? 60 : 50);
        }
        double hourSum = 0;
        double daySum = 0;
        for (int h = 0; h < 24; h++) {
            hourSum += profile.hourEffect(h);
        }
        for (int d = 0; d < 7; d++) {
            daySum += profile.dayEffect(d);
        }
        assertThat(hourSum).isCloseTo(0.0, within(1e-9));
        assertThat(daySum).isCloseTo(0.0, within(1e-9));
        assertThat(profile.level()).isCloseTo(50 + 10.0 / 24, within(0.3));
        assertThat(profile.hourEffect(12) - profile.hourEffect(3)).isCloseTo(10.0, within(0.3));
    }

    @Test
    void restoredProfileContinuesBitForBit() {
        Random random = new Random(47);
        SeasonalProfile original = profile();
        long t = START;
        for (int i = 0; i < 5_000; i++) {
            t += random.nextInt(20) * MINUTE;
            original.update(t, truth(t) + random.nextGaussian());
        }
        SeasonalProfile restored = SeasonalProfile.fromBytes(original.toBytes());
        for (int i = 0; i < 5_000; i++) {
            t += random.nextInt(20) * MINUTE - 3 * MINUTE; // some out of order
            double value = truth(t) + random.nextGaussian();
            original.update(t, value);
            restored.update(t, value);
            assertThat(restored.toBytes()).isEqualTo(original.toBytes());
            assertThat(Double.doubleToRawLongBits(restored.expected(t + HOUR)))
                    .isEqualTo(Double.doubleToRawLongBits(original.expected(t + HOUR)));
            assertThat(Double.doubleToRawLongBits(restored.spread(t + HOUR)))
                    .isEqualTo(Double.doubleToRawLongBits(original.spread(t + HOUR)));
        }
    }

    @Test
    void stateStaysUnderFourKibibytesThroughAMillionUpdates() {
        SeasonalProfile profile = profile();
        Random random = new Random(53);
        long t = START;
        for (int i = 0; i < 1_000_000; i++) {
            t += 30_000;
            profile.update(t, truth(t) + random.nextGaussian());
        }
        assertThat(profile.count()).isEqualTo(1_000_000);
        assertThat(profile.toBytes()).hasSize(SeasonalProfile.SERIALIZED_BYTES);
        assertThat(SeasonalProfile.SERIALIZED_BYTES).isLessThan(4096);
    }

    @Test
    void answersNaNBeforeDataAndRejectsBadArguments() {
        SeasonalProfile profile = profile();
        assertThat(profile.expected(START)).isNaN();
        assertThat(profile.spread(START)).isNaN();
        assertThatThrownBy(() -> new SeasonalProfile(0, 0.1, 0.1, 0.1, 0.1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("levelAlpha");
        assertThatThrownBy(() -> new SeasonalProfile(0.1, -0.1, 0.1, 0.1, 0.1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trendBeta");
        assertThatThrownBy(() -> new SeasonalProfile(0.1, 0.1, 1.5, 0.1, 0.1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hourAlpha");
        assertThatThrownBy(() -> new SeasonalProfile(0.1, 0.1, 0.1, 0, 0.1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dayAlpha");
        assertThatThrownBy(() -> new SeasonalProfile(0.1, 0.1, 0.1, 0.1, Double.NaN, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spreadAlpha");
        assertThatThrownBy(() -> new SeasonalProfile(0.1, 0.1, 0.1, 0.1, 0.1, 2000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("offsetMinutes");
        assertThatThrownBy(() -> profile.update(START, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
