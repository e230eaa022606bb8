package io.hormesis.stats.anomaly;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TailProbabilityScorerTest {
    private static final long FIVE_MINUTES = 300_000L;

    private static List<Integer> firings(double[] series, double threshold) {
        AnomalyScorer scorer = AnomalyScorers.standard();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < series.length; i++) {
            if (scorer.score(i * FIVE_MINUTES, series[i]) >= threshold) {
                at.add(i);
            }
        }
        return at;
    }

    private static double[] noise(int n, long seed) {
        Random random = new Random(seed);
        double[] xs = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = 50 + 5 * random.nextGaussian();
        }
        return xs;
    }

    @Test
    void theSameInputGivesTheSameScores() {
        double[] xs = noise(5_000, 1);
        AnomalyScorer a = AnomalyScorers.standard();
        AnomalyScorer b = AnomalyScorers.standard();
        for (int i = 0; i < xs.length; i++) {
            assertThat(a.score(i * FIVE_MINUTES, xs[i]))
                    .isEqualTo(b.score(i * FIVE_MINUTES, xs[i]));
        }
    }

    @Test
    void firesOnNoiseNoMoreOftenThanItsThresholdSays() {
        // Calibration: on 20,000 i.i.d. normal points a score >= 1 - a should occur about
        // 20,000 a times (fewer, as the refractory period hides some): 20 at a = 1e-3, 0.2 at
        // a = 1e-5. Allow 1.5x the nominal count at 1e-3, and 2 at 1e-5.
        double[] xs = noise(20_000, 2);
        assertThat(firings(xs, 0.999)).hasSizeLessThanOrEqualTo(30);
        assertThat(firings(xs, 0.99999)).hasSizeLessThanOrEqualTo(2);
    }

    @Test
    void scoresNothingWhileLearning() {
        double[] xs = noise(400, 3);
        xs[100] = 10_000;
        assertThat(firings(xs, 0.5)).allSatisfy(i -> assertThat(i).isGreaterThanOrEqualTo(300));
    }

    @Test
    void flagsASpikeAtOnce() {
        double[] xs = noise(3_000, 4);
        xs[2_000] = 50 + 5 * 12;
        assertThat(firings(xs, 0.9999)).contains(2_000);
    }

    @Test
    void flagsAFlatLineInANoisySeriesWithinAWindow() {
        double[] xs = noise(3_000, 5);
        for (int i = 2_000; i < 2_100; i++) {
            xs[i] = 50;
        }
        assertThat(firings(xs, 0.999)).anySatisfy(i -> assertThat(i).isBetween(2_000, 2_010));
    }

    @Test
    void flagsAStepInADailyCycleButNotTheCycleItself() {
        Random random = new Random(6);
        double[] xs = new double[288 * 14];
        for (int i = 0; i < xs.length; i++) {
            double daily = 40 * Math.sin(2 * Math.PI * i / 288.0);
            xs[i] = 100 + daily + random.nextGaussian() + (i >= 288 * 10 ? 30 : 0);
        }
        List<Integer> at = firings(xs, 0.999);
        assertThat(at).anySatisfy(i -> assertThat(i).isBetween(288 * 10, 288 * 10 + 3));
        assertThat(at).noneSatisfy(i -> assertThat(i).isBetween(600, 288 * 10 - 1));
    }

    @Test
    void stateStaysSmall() {
        TailProbabilityScorer scorer =
                new TailProbabilityScorer(TailProbabilityScorer.Settings.defaults());
        double[] xs = noise(40_000, 7);
        for (int i = 0; i < xs.length; i++) {
            scorer.score(i * FIVE_MINUTES, xs[i]);
        }
        // Three full windows of 1,500 floats (18,024 bytes with their sizes), the level means
        // (375 and 200 floats, 2,316 bytes), the 96-bin profile (1,536), the last 144 residuals
        // (1,152), the 9 recent changes and the settings: what stateBytes() accounts for.
        assertThat(scorer.toBytes().length).isEqualTo(scorer.stateBytes());
        assertThat(scorer.stateBytes()).isBetween(23_000, 23 * 1024);
    }

    @Test
    void flagsASmallLevelShiftNoSinglePointGivesAway() {
        // A shift of one standard deviation: every point stays inside the noise, but the mean of
        // 36 points moves by 6 of its own standard deviations, that of 144 points by 12.
        double[] xs = noise(6_000, 12);
        for (int i = 4_000; i < xs.length; i++) {
            xs[i] += 5;
        }
        assertThat(firings(xs, 0.999)).anySatisfy(i -> assertThat(i).isBetween(4_000, 4_144));
    }

    @Test
    void aSpikeDoesNotTeachTheDailyProfileToExpectOne() {
        // A daily cycle with one huge spike: the spike fires, and the spike's time of day on the
        // following days does not (an unclipped EWMA would carry 5 % of the spike into that bin
        // for weeks, so the normal points there would look like deep dips).
        Random random = new Random(13);
        double[] xs = new double[288 * 14];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = 100 + 40 * Math.sin(2 * Math.PI * i / 288.0) + random.nextGaussian();
        }
        int spike = 288 * 7 + 100;
        xs[spike] = 5_000;
        List<Integer> at = firings(xs, 0.999);
        assertThat(at).contains(spike);
        assertThat(at)
                .noneSatisfy(
                        i ->
                                assertThat(i > spike + 200 && Math.abs((i - spike) % 288) <= 3)
                                        .isTrue());
    }

    @Test
    void takingSnapshotsDoesNotChangeWhatTheLiveScorerSays() {
        double[] xs = noise(6_000, 9);
        xs[3_000] = 120;
        TailProbabilityScorer snapshotted =
                new TailProbabilityScorer(TailProbabilityScorer.Settings.defaults());
        TailProbabilityScorer untouched =
                new TailProbabilityScorer(TailProbabilityScorer.Settings.defaults());
        for (int i = 0; i < xs.length; i++) {
            if (i % 97 == 0) {
                snapshotted.toBytes();
            }
            assertThat(snapshotted.score(i * FIVE_MINUTES, xs[i]))
                    .isEqualTo(untouched.score(i * FIVE_MINUTES, xs[i]));
        }
    }

    @Test
    void aRestoredScorerContinuesExactlyLikeTheOriginal() {
        double[] xs = noise(6_000, 8);
        xs[4_000] = 200;
        TailProbabilityScorer original =
                new TailProbabilityScorer(TailProbabilityScorer.Settings.defaults());
        for (int i = 0; i < 2_500; i++) {
            original.score(i * FIVE_MINUTES, xs[i]);
        }
        byte[] snapshot = original.toBytes();
        TailProbabilityScorer restored = TailProbabilityScorer.fromBytes(snapshot);
        assertThat(restored.toBytes()).isEqualTo(snapshot);
        for (int i = 2_500; i < xs.length; i++) {
            assertThat(restored.score(i * FIVE_MINUTES, xs[i]))
                    .isEqualTo(original.score(i * FIVE_MINUTES, xs[i]));
        }
    }

    @Test
    void rejectsBadSettings() {
        assertThatThrownBy(
                        () ->
                                new TailProbabilityScorer.Settings(
                                        1500, 1, 9, 300, 100, 2.0, 48, 0.05, 3.0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () ->
                                new TailProbabilityScorer.Settings(
                                        1500, 1, 9, 5, 100, 1e-3, 48, 0.05, 3.0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () ->
                                new TailProbabilityScorer.Settings(
                                        1500, 1, 9, 300, 100, 1e-3, 96, 0.05, 3.0, -1, 36, 2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () ->
                                new TailProbabilityScorer.Settings(
                                        1500, 1, 9, 300, 100, 1e-3, 96, 0.05, 3.0, 10, 1, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
