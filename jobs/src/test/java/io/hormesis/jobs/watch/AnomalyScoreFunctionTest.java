package io.hormesis.jobs.watch;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import io.hormesis.jobs.detect.ScoredPoint;
import io.hormesis.jobs.detect.SeriesPoint;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class AnomalyScoreFunctionTest {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private static KeyedOneInputStreamOperatorTestHarness<String, SeriesPoint, ScoredPoint>
            harness() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new AnomalyScoreFunction(Duration.ofDays(30))),
                SeriesPoint::getSeries,
                Types.STRING);
    }

    private static List<SeriesPoint> points(String series, int n, long seed) {
        Random random = new Random(seed);
        LocalDateTime start = LocalDateTime.of(2026, 1, 1, 0, 0);
        List<SeriesPoint> points = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double v = 20 + random.nextGaussian() + (i == 1_700 ? 15 : 0);
            points.add(new SeriesPoint(series, i, TS.format(start.plusMinutes(5L * i)) + "," + v));
        }
        return points;
    }

    @Test
    void aRestoredOperatorScoresTheRestOfTheSeriesAsAnUninterruptedOne() throws Exception {
        List<SeriesPoint> a = points("a", 2_000, 1);
        List<SeriesPoint> b = points("b", 2_000, 2);
        List<Double> uninterrupted = new ArrayList<>();
        try (var h = harness()) {
            h.open();
            for (int i = 0; i < 2_000; i++) {
                h.processElement(new StreamRecord<>(a.get(i)));
                h.processElement(new StreamRecord<>(b.get(i)));
            }
            h.extractOutputValues().forEach(p -> uninterrupted.add(p.getScore()));
            assertThat(h.numKeyedStateEntries()).isEqualTo(2);
        }

        List<Double> resumed = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            for (int i = 0; i < 1_000; i++) {
                h.processElement(new StreamRecord<>(a.get(i)));
                h.processElement(new StreamRecord<>(b.get(i)));
            }
            h.extractOutputValues().forEach(p -> resumed.add(p.getScore()));
            snapshot = h.snapshot(1L, 1L);
        }
        try (var h = harness()) {
            h.initializeState(snapshot);
            h.open();
            for (int i = 1_000; i < 2_000; i++) {
                h.processElement(new StreamRecord<>(a.get(i)));
                h.processElement(new StreamRecord<>(b.get(i)));
            }
            h.extractOutputValues().forEach(p -> resumed.add(p.getScore()));
        }
        // The scorer's state is exact and snapshots do not touch it: a restored operator scores
        // bit for bit what an uninterrupted one does.
        assertThat(resumed).containsExactlyElementsOf(uninterrupted);
        // The spike in series a at row 1,700 (output index 3,400) is scored high after restore.
        assertThat(resumed.get(2 * 1_700)).isGreaterThan(0.999);
    }

    @Test
    void aRowThatDoesNotParseIsKeptWithScoreZero() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement(new StreamRecord<>(new SeriesPoint("a", 7, "yesterday,12")));
            h.processElement(new StreamRecord<>(new SeriesPoint("a", 8, "2026-01-01 00:00:00,x")));
            List<ScoredPoint> out = h.extractOutputValues();
            assertThat(out).extracting(ScoredPoint::getLine).containsExactly(7L, 8L);
            assertThat(out)
                    .allSatisfy(
                            p -> {
                                assertThat(p.isParsed()).isFalse();
                                assertThat(p.getScore()).isZero();
                            });
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }
}
