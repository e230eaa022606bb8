package io.hormesis.stats.change;

import io.hormesis.stats.change.PageHinkley.Direction;
import moa.classifiers.core.driftdetection.PageHinkleyDM;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Oracle: MOA 2024.07.0's {@code moa.classifiers.core.driftdetection.PageHinkleyDM}. Its recursion
 * (running mean and cumulative sum {@code m_T}, read from its private field {@code sum}) must be
 * ours bit for bit. That release raises a change on {@code m_T > lambda}, without Page's minimum,
 * so the expected change points are derived from MOA's {@code m_T} with Page's rule {@code m_T -
 * min m_t > lambda}, restarting MOA (as {@code resetLearning} does) after each.
 */
class PageHinkleyTest {

    /** Unit normal noise around 5, shifted up by {@code shift} from observation {@code at}. */
    private static double[] shifted(long seed, int length, int at, double shift) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] xs = new double[length];
        for (int i = 0; i < length; i++) {
            double u = 1.0 - random.nextDouble();
            double v = random.nextDouble();
            double noise = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
            xs[i] = 5 + noise + (i >= at ? shift : 0);
        }
        return xs;
    }

    /** Bernoulli errors: p 0.1, then 0.4 from 2,000, then 0.1 again from 4,000; 6,000 long. */
    private static double[] errors() {
        SplittableRandom random = new SplittableRandom(77);
        double[] xs = new double[6_000];
        for (int i = 0; i < xs.length; i++) {
            double p = i >= 2_000 && i < 4_000 ? 0.4 : 0.1;
            xs[i] = random.nextDouble() < p ? 1 : 0;
        }
        return xs;
    }

    private static PageHinkleyDM moa(double delta, double alpha) {
        PageHinkleyDM moa = new PageHinkleyDM();
        moa.deltaOption.setValue(delta);
        moa.alphaOption.setValue(alpha);
        moa.lambdaOption.setValue(Float.MAX_VALUE); // never fires: we apply Page's rule ourselves
        moa.minNumInstancesOption.setValue(1);
        moa.resetLearning();
        return moa;
    }

    private static double moaSum(PageHinkleyDM moa) throws ReflectiveOperationException {
        Field sum = PageHinkleyDM.class.getDeclaredField("sum");
        sum.setAccessible(true);
        return sum.getDouble(moa);
    }

    /** Change points by Page's rule on MOA's cumulative sums; also checks our sums step by step. */
    private static List<Integer> expectedFromMoa(
            double[] xs, double delta, double lambda, double alpha, int minInstances)
            throws ReflectiveOperationException {
        List<Integer> changes = new ArrayList<>();
        int start = 0;
        while (start < xs.length) {
            PageHinkleyDM moa = moa(delta, alpha);
            PageHinkley ours = new PageHinkley(delta, 1e300, alpha, 1, Direction.INCREASE);
            double min = Double.MAX_VALUE;
            int next = xs.length;
            for (int t = start; t < xs.length; t++) {
                moa.input(xs[t]);
                ours.update(xs[t]);
                double sum = moaSum(moa);
                assertThat(ours.cumulativeSum()).as("m_T at %d", t).isEqualTo(sum);
                assertThat(ours.mean()).as("mean at %d", t).isEqualTo(moa.getEstimation());
                min = Math.min(min, sum);
                if (t - start + 1 >= minInstances && sum - min > lambda) {
                    changes.add(t);
                    next = t + 1;
                    break;
                }
            }
            start = next;
        }
        return changes;
    }

    private static List<Integer> ours(double[] xs, PageHinkley ph) {
        List<Integer> changes = new ArrayList<>();
        for (int i = 0; i < xs.length; i++) {
            if (ph.update(xs[i])) {
                changes.add(i);
            }
        }
        return changes;
    }

    @Test
    void upwardShiftWithMoaDefaults() throws ReflectiveOperationException {
        double[] xs = shifted(1, 6_000, 3_000, 2.0);
        List<Integer> expected = expectedFromMoa(xs, 0.005, 50, 1 - 0.0001, 29);
        assertThat(ours(xs, PageHinkley.defaults())).isEqualTo(expected);
        // With lambda 50 over unit noise the defaults also raise false alarms; the shift is caught.
        assertThat(expected).anySatisfy(i -> assertThat(i).isBetween(3_000, 3_060));
    }

    @Test
    void forgettingFactorAndSmallThreshold() throws ReflectiveOperationException {
        double[] xs = shifted(2, 5_000, 2_500, 0.8);
        List<Integer> expected = expectedFromMoa(xs, 0.1, 8, 0.99, 30);
        assertThat(ours(xs, new PageHinkley(0.1, 8, 0.99, 30, Direction.INCREASE)))
                .isEqualTo(expected);
        assertThat(expected.size()).isGreaterThan(1);
    }

    @Test
    void errorRateStream() throws ReflectiveOperationException {
        double[] xs = errors();
        List<Integer> expected = expectedFromMoa(xs, 0.01, 10, 1, 30);
        assertThat(ours(xs, new PageHinkley(0.01, 10, 1, 30, Direction.INCREASE)))
                .isEqualTo(expected);
        assertThat(expected).anySatisfy(i -> assertThat(i).isBetween(2_000, 2_300));
    }

    @Test
    void moaReleaseComparesTheSumItselfWithLambda() throws ReflectiveOperationException {
        // Documents the class comment: MOA 2024.07.0's own change points are those of the rule
        // m_T > lambda (no minimum) on its sums, with minNumInstances = our minInstances + 1; ours
        // (Page's rule) differ and find the rise in the error rate sooner.
        double[] xs = errors();
        PageHinkleyDM moa = new PageHinkleyDM();
        moa.deltaOption.setValue(0.01);
        moa.alphaOption.setValue(1);
        moa.lambdaOption.setValue(10);
        moa.minNumInstancesOption.setValue(31);
        List<Integer> moaChanges = new ArrayList<>();
        for (int i = 0; i < xs.length; i++) {
            moa.input(xs[i]);
            if (moa.getChange()) {
                moaChanges.add(i);
            }
        }
        List<Integer> sumAboveLambda = new ArrayList<>();
        int start = 0;
        while (start < xs.length) {
            PageHinkleyDM fresh = moa(0.01, 1);
            int next = xs.length;
            for (int t = start; t < xs.length; t++) {
                fresh.input(xs[t]);
                if (t - start + 1 >= 30 && moaSum(fresh) > 10) {
                    sumAboveLambda.add(t);
                    next = t + 1;
                    break;
                }
            }
            start = next;
        }
        assertThat(moaChanges).isEqualTo(sumAboveLambda).isNotEmpty();
        List<Integer> page = ours(xs, new PageHinkley(0.01, 10, 1, 30, Direction.INCREASE));
        assertThat(page).isNotEqualTo(moaChanges);
        int firstMoa = moaChanges.stream().filter(i -> i >= 2_000).findFirst().orElseThrow();
        int firstPage = page.stream().filter(i -> i >= 2_000).findFirst().orElseThrow();
        assertThat(firstPage).isLessThanOrEqualTo(firstMoa);
    }

    @Test
    void aDecreaseIsTheMirrorOfAnIncrease() {
        // Oracle: the increase detector on the negated stream (negation is exact in floating
        // point).
        double[] xs = shifted(3, 6_000, 3_000, -1.5);
        double[] negated = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            negated[i] = -xs[i];
        }
        List<Integer> down = ours(xs, new PageHinkley(0.5, 20, 1, 30, Direction.DECREASE));
        List<Integer> upOfNegated =
                ours(negated, new PageHinkley(0.5, 20, 1, 30, Direction.INCREASE));
        assertThat(down).isEqualTo(upOfNegated).isNotEmpty();
        assertThat(down.get(0)).isBetween(3_000, 3_060);
        assertThat(ours(xs, new PageHinkley(0.5, 20, 1, 30, Direction.INCREASE))).isEmpty();
        assertThat(ours(xs, new PageHinkley(0.5, 20, 1, 30, Direction.BOTH))).isEqualTo(down);
    }

    @Test
    void noChangeBeforeMinInstances() {
        PageHinkley ph = new PageHinkley(0, 1, 1, 10, Direction.INCREASE);
        // 0 then 100s: m_T - min m_t exceeds 1 from the second observation on.
        assertThat(ph.update(0)).isFalse();
        for (int i = 2; i < 10; i++) {
            assertThat(ph.update(100)).as("observation %d", i).isFalse();
        }
        assertThat(ph.update(100)).isTrue();
        assertThat(ph.count()).isEqualTo(10);
        assertThat(ph.increaseStatistic()).isGreaterThan(1);
    }

    @Test
    void aRestoredDetectorContinuesBitForBit() {
        double[] xs = shifted(4, 8_000, 4_000, 1.0);
        PageHinkley original = new PageHinkley(0.05, 15, 0.999, 30, Direction.BOTH);
        for (int i = 0; i < 4_020; i++) {
            original.update(xs[i]);
        }
        byte[] snapshot = original.toBytes();
        assertThat(snapshot).hasSize(PageHinkley.SERIALIZED_BYTES);
        PageHinkley restored = PageHinkley.fromBytes(snapshot);
        assertThat(restored.toBytes()).isEqualTo(snapshot);
        for (int i = 4_020; i < xs.length; i++) {
            assertThat(restored.update(xs[i])).as("at %d", i).isEqualTo(original.update(xs[i]));
        }
        assertThat(restored.toBytes()).isEqualTo(original.toBytes());
        assertThat(original.detections()).isPositive();
    }

    @Test
    void resetForgetsEverything() {
        PageHinkley ph = PageHinkley.defaults();
        ours(shifted(5, 4_000, 2_000, 3), ph);
        ph.reset();
        assertThat(ph.toBytes()).isEqualTo(PageHinkley.defaults().toBytes());
    }

    @Test
    void rejectsBadParameters() {
        assertThatThrownBy(() -> new PageHinkley(-1, 50, 1, 30, Direction.BOTH))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("delta");
        assertThatThrownBy(() -> new PageHinkley(0.005, 0, 1, 30, Direction.BOTH))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lambda");
        assertThatThrownBy(() -> new PageHinkley(0.005, 50, 1.01, 30, Direction.BOTH))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha");
        assertThatThrownBy(() -> new PageHinkley(0.005, 50, 1, 0, Direction.BOTH))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minInstances");
        assertThatThrownBy(() -> new PageHinkley(0.005, 50, 1, 30, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("direction");
        assertThatThrownBy(() -> PageHinkley.defaults().update(Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
