package io.hormesis.jobs.bench;

import io.hormesis.jobs.bench.WatchBenchmark.Result;
import io.hormesis.jobs.bench.WatchBenchmark.Round;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WatchBenchmarkTest {
    @Test
    void theFigureIsTheMedianRoundByRatioNotTheMedianOfEachThroughput() {
        Result r =
                new Result(
                        1_000,
                        2,
                        List.of(
                                new Round(2_000_000, 600_000), // 0.30
                                new Round(1_000_000, 900_000), // 0.90
                                new Round(3_000_000, 1_500_000))); // 0.50
        assertThat(r.ratio()).isEqualTo(0.5);
        assertThat(r.passThroughEventsPerSecond()).isEqualTo(3_000_000);
        assertThat(r.watchEventsPerSecond()).isEqualTo(1_500_000);
        // Of an even count, the lower middle round: the figure never rounds up.
        Result even =
                new Result(
                        1_000,
                        2,
                        List.of(
                                new Round(10, 6),
                                new Round(10, 4),
                                new Round(10, 9),
                                new Round(10, 5)));
        assertThat(even.ratio()).isEqualTo(0.5);
        assertThatThrownBy(() -> new Result(1, 1, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void runsEveryRoundOnAMiniClusterAndWritesThemAllAsJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out/bench.json");
        List<Round> seen = new ArrayList<>();
        Result r = WatchBenchmark.run(20_000, 1, 10, 2, json, seen::add);
        assertThat(r.rounds()).hasSize(2).isEqualTo(seen);
        for (Round round : r.rounds()) {
            assertThat(round.passThroughEventsPerSecond()).isPositive().isFinite();
            assertThat(round.watchEventsPerSecond()).isPositive().isFinite();
        }
        String text = Files.readString(json, StandardCharsets.UTF_8);
        assertThat(text)
                .startsWith("{\"benchmark\":\"watch\",\"events\":20000,\"parallelism\":1,")
                .contains(
                        String.format(
                                java.util.Locale.ROOT, "\"ratio\":%.4f,\"rounds\":[{", r.ratio()));
        assertThat(text.split("\"watch_events_per_second\"", -1)).hasSize(4); // median + 2 rounds
        assertThatThrownBy(() -> WatchBenchmark.run(10, 1, 1, 0, null, x -> {}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
