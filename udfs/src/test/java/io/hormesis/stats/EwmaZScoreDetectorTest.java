package io.hormesis.stats;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class EwmaZScoreDetectorTest {

    private static EwmaZScoreDetector detector() {
        return new EwmaZScoreDetector(0.05, 4.0, 3, 30, 0.05);
    }

    @Test
    void scoreIsTheTwoSidedNormalConfidence() {
        // Standard normal table: P(|Z| < 1.959964) = 0.95, P(|Z| < 2.575829) = 0.99.
        assertThat(EwmaZScoreDetector.twoSidedConfidence(1.959964)).isCloseTo(0.95, within(1e-6));
        assertThat(EwmaZScoreDetector.twoSidedConfidence(-2.575829)).isCloseTo(0.99, within(1e-6));
        assertThat(EwmaZScoreDetector.twoSidedConfidence(0)).isEqualTo(0.0);
    }

    @Test
    void staysQuietOnStationaryNoise() {
        EwmaZScoreDetector detector = detector();
        Random random = new Random(11);
        int alarms = 0;
        for (int i = 0; i < 20_000; i++) {
            if (detector.observe(i, 200 + 20 * random.nextGaussian(), "r" + i) != null) {
                alarms++;
            }
        }
        assertThat(alarms).isZero();
    }

    @Test
    void alarmsOnceOnTheThirdConsecutiveExceedanceOfAShift() {
        EwmaZScoreDetector detector = detector();
        Random random = new Random(5);
        List<EwmaZScoreDetector.Alarm> alarms = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            double value = 200 + 10 * random.nextGaussian() + (i >= 300 ? 400 : 0);
            EwmaZScoreDetector.Alarm alarm = detector.observe(1000L * i, value, "r" + i);
            if (alarm != null) {
                alarms.add(alarm);
                at.add(i);
            }
        }
        assertThat(at).containsExactly(302);
        EwmaZScoreDetector.Alarm alarm = alarms.get(0);
        assertThat(alarm.windowStartMillis()).isEqualTo(300_000L);
        assertThat(alarm.windowCount()).isEqualTo(3);
        assertThat(alarm.sourceIds()).containsExactly("r300", "r301", "r302");
        assertThat(alarm.baselineMean()).isCloseTo(200, within(15.0));
        assertThat(alarm.zScore()).isGreaterThan(4.0);
        assertThat(alarm.score()).isGreaterThan(0.999);
    }

    @Test
    void rearmsAfterTheSignalReturnsAndAlarmsOnTheNextEpisode() {
        EwmaZScoreDetector detector = detector();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            boolean episode = (i >= 100 && i < 110) || (i >= 200 && i < 210);
            double value = 100 + (i % 7) + (episode ? 500 : 0);
            if (detector.observe(i, value, "r" + i) != null) {
                at.add(i);
            }
        }
        assertThat(at).containsExactly(102, 202);
    }

    @Test
    void doesNotAlarmDuringWarmup() {
        EwmaZScoreDetector detector = detector();
        for (int i = 0; i < 29; i++) {
            assertThat(detector.observe(i, i % 2 == 0 ? 1 : 1000, "r" + i)).isNull();
        }
    }

    @Test
    void rejectsBadConfiguration() {
        assertThatThrownBy(() -> new EwmaZScoreDetector(0.05, 0, 3, 30, 0.05))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EwmaZScoreDetector(0.05, 4, 0, 30, 0.05))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EwmaZScoreDetector(0.05, 4, 3, 1, 0.05))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reportsAWideRegressionWhoseValuesSometimesFallUnderTheThreshold() {
        // Latency = 80 + tokens x per-token time, tokens uniform in [50, 150]; per-token time
        // goes from 6 to 21 ms. Some slow requests stay under the threshold, which must not
        // teach the baseline the regression before three exceedances in a row are seen.
        EwmaZScoreDetector detector = detector();
        Random random = new Random(2);
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            double perToken = i < 600 ? 6 : 21;
            double value = 80 + (50 + random.nextInt(101)) * perToken;
            if (detector.observe(i, value, "r" + i) != null) {
                at.add(i);
            }
        }
        assertThat(at).hasSize(1);
        assertThat(at.get(0)).isBetween(602, 620);
    }
}
