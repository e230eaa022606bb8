package io.hormesis.stats.control;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** What a deployment's surges teach: their height over the baseline and their spacing. */
class SurgeMemoryTest {

    private static final long STEP = 10_000;
    private static final long LEAD = 90_000;

    /** Feeds {@code intervals} of {@code rate}, one per STEP from {@code t}; returns the end. */
    private static long feed(
            SurgeMemory m, long t, int intervals, double rate, List<SurgeMemory.Learned> out) {
        for (int i = 0; i < intervals; i++) {
            out.addAll(m.observe(t, rate));
            t += STEP;
        }
        return t;
    }

    @Test
    void theFirstMinutesAreNoSurge() {
        SurgeMemory m = new SurgeMemory(STEP);
        List<SurgeMemory.Learned> out = new ArrayList<>();
        // A trace that starts at 10 req/s and ramps to 45 within a minute: the baseline is still
        // settling, so no surge starts (and none is stuck open afterwards).
        long t = 0;
        for (double r : new double[] {10, 15, 22, 30, 45, 45, 45}) {
            out.addAll(m.observe(t, r));
            t += STEP;
        }
        assertThat(m.surging()).isFalse();
        feed(m, t, 40, 45, out);
        assertThat(m.surging()).isFalse();
        assertThat(out).isEmpty();
        assertThat(m.baseline()).isCloseTo(45, within(5.0));
    }

    @Test
    void aSurgeTeachesItsHeightAndTwoTeachTheirSpacing() {
        SurgeMemory m = new SurgeMemory(STEP);
        List<SurgeMemory.Learned> out = new ArrayList<>();
        long t = feed(m, 0, 30, 40, out);
        assertThat(m.floorRate(t, LEAD)).isNaN();
        long start1 = t;
        t = feed(m, t, 20, 160, out);
        assertThat(m.surging()).isTrue();
        assertThat(m.floorRate(t, LEAD)).as("no height learned yet").isNaN();
        t = feed(m, t, 1, 40, out);
        assertThat(m.surging()).isFalse();
        assertThat(out)
                .singleElement()
                .satisfies(
                        l -> {
                            assertThat(l.parameter()).isEqualTo("surge_ratio");
                            assertThat(l.update().after()).isCloseTo(4.0, within(1e-9));
                            assertThat(l.update().reason()).contains("4.00x the 40.0 req/s");
                        });
        assertThat(m.floorRate(t, LEAD)).as("no surge under way or due").isNaN();

        out.clear();
        t = feed(m, t, 69, 40, out);
        long start2 = t;
        t = feed(m, t, 1, 100, out);
        assertThat(m.surging()).isTrue();
        assertThat(m.floorRate(t, LEAD))
                .as("the last height, from the first interval")
                .isCloseTo(160, within(1e-9));
        t = feed(m, t, 19, 120, out);
        t = feed(m, t, 1, 40, out);
        assertThat(out)
                .extracting(SurgeMemory.Learned::parameter)
                .containsExactly("surge_ratio", "surge_period_ms");
        assertThat(out.get(0).update().after()).isCloseTo(3.0, within(1e-9));
        assertThat(out.get(1).update().after()).isEqualTo((double) (start2 - start1));

        // One lead after it ended, once: the surge's recommendations can go.
        assertThat(m.settledAfterSurge(t - STEP + LEAD - 1, LEAD)).isFalse();
        assertThat(m.settledAfterSurge(t - STEP + LEAD, LEAD)).isTrue();
        assertThat(m.settledAfterSurge(t - STEP + LEAD + 1, LEAD)).isFalse();

        // The next is due at start2 + spacing: met from one lead and an interval before it until
        // half a lead after it.
        long next = start2 + (start2 - start1);
        long windowStart = next - LEAD - STEP;
        assertThat(m.floorRate(windowStart - 1, LEAD)).isNaN();
        assertThat(m.expected(windowStart, LEAD)).isTrue();
        assertThat(m.floorRate(windowStart, LEAD)).isCloseTo(120, within(1e-9));
        assertThat(m.floorRate(next + LEAD / 2, LEAD)).isCloseTo(120, within(1e-9));
        assertThat(m.expire(next + LEAD / 2, LEAD)).isNull();
        // It does not come: the prediction is dropped, once.
        PolicyUpdate dropped = m.expire(next + LEAD / 2 + 1, LEAD);
        assertThat(dropped).isNotNull();
        assertThat(dropped.after()).isZero();
        assertThat(dropped.reason()).contains("prediction dropped");
        assertThat(m.expire(next + LEAD / 2 + 2, LEAD)).isNull();
        assertThat(m.floorRate(next + LEAD / 2 + 2, LEAD)).isNaN();
    }

    @Test
    void aRiseUnderTwiceTheBaselineTeachesNothing() {
        SurgeMemory m = new SurgeMemory(STEP);
        List<SurgeMemory.Learned> out = new ArrayList<>();
        long t = feed(m, 0, 30, 40, out);
        t = feed(m, t, 2, 70, out); // 1.75x: a surge begins ...
        assertThat(m.surging()).isTrue();
        feed(m, t, 1, 40, out); // ... and ends without teaching
        assertThat(m.surging()).isFalse();
        assertThat(out).isEmpty();
        assertThat(m.ratio()).isNaN();
    }

    @Test
    void aRiseThatLastsIsANewLevel() {
        SurgeMemory m = new SurgeMemory(STEP);
        List<SurgeMemory.Learned> out = new ArrayList<>();
        long t = feed(m, 0, 30, 40, out);
        t = feed(m, t, (int) (SurgeMemory.LEVEL_SHIFT_MILLIS / STEP), 100, out);
        assertThat(m.surging()).isTrue();
        feed(m, t, 1, 100, out);
        assertThat(m.surging()).isFalse();
        assertThat(m.baseline()).isEqualTo(100);
        assertThat(out).isEmpty();
    }

    @Test
    void aRestoredMemoryContinuesExactlyAsTheOriginal() throws IOException {
        SurgeMemory a = new SurgeMemory(STEP);
        List<SurgeMemory.Learned> outA = new ArrayList<>();
        long t = feed(a, 0, 30, 40, outA);
        t = feed(a, t, 10, 150, outA);
        t = feed(a, t, 1, 40, outA);
        t = feed(a, t, 30, 40, outA);
        t = feed(a, t, 3, 130, outA); // mid-surge
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        a.writeTo(new DataOutputStream(bytes));
        assertThat(bytes.size()).isEqualTo(SurgeMemory.SERIALIZED_BYTES);
        SurgeMemory b =
                SurgeMemory.readFrom(
                        new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        List<SurgeMemory.Learned> outB = new ArrayList<>();
        outA.clear();
        feed(a, t, 5, 40, outA);
        feed(b, t, 5, 40, outB);
        assertThat(outB).isEqualTo(outA);
        assertThat(outA).hasSize(2);
        assertThat(b.floorRate(t + 400_000, LEAD))
                .isEqualTo(a.floorRate(t + 400_000, LEAD))
                .isCloseTo(130, within(1e-9));
    }
}
