package io.hormesis.jobs.demo;

import io.hormesis.jobs.lineage.LineageProgress;
import io.hormesis.jobs.lineage.LineageTables;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Decides when a finite input has been fully processed: WATCH has committed its offsets to the end
 * of the input, every signal and command on Kafka is in Iceberg, at least the expected number of
 * commands exist, and nothing has changed for a settling period (long enough for a signal to become
 * a command and a command a lineage row, a few checkpoints).
 */
public final class Quiescence {
    private Quiescence() {}

    /** The figures at the moment the pipelines were judged done. */
    public record Figures(
            long signals, long commands, long deadLetters, long signalRows, long commandRows) {}

    public static Figures await(
            Timeline timeline,
            LineageProgress progress,
            String watchGroup,
            String inputTopic,
            int minCommands,
            Duration settle,
            Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Figures stableSince = null;
        long stableAt = 0;
        Figures last = null;
        String waitingFor = "the first check";
        while (System.nanoTime() < deadline) {
            timeline.checkHealthy();
            long lag = progress.lag(watchGroup, inputTopic);
            Figures now =
                    new Figures(
                            timeline.signals().size(),
                            timeline.commands().size(),
                            timeline.deadLetters().size(),
                            progress.committedRows(LineageTables.SIGNALS),
                            progress.committedRows(LineageTables.COMMANDS));
            last = now;
            boolean done =
                    lag == 0
                            && now.commands() >= minCommands
                            && now.signalRows() == now.signals()
                            && now.commandRows() == now.commands();
            if (!done) {
                waitingFor =
                        lag > 0
                                ? "WATCH to read " + lag + " more input records"
                                : now.commands() < minCommands
                                        ? "a command"
                                        : "lineage rows to match Kafka (" + now + ")";
                stableSince = null;
            } else if (!now.equals(stableSince)) {
                stableSince = now;
                stableAt = System.nanoTime();
            } else if (System.nanoTime() - stableAt >= settle.toNanos()) {
                return now;
            }
            Thread.sleep(250);
        }
        throw new TimeoutException(
                "pipelines did not settle within "
                        + timeout
                        + ": waiting for "
                        + waitingFor
                        + "; last figures "
                        + last);
    }
}
