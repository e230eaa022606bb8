package io.hormesis.jobs.kafka;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

import io.hormesis.schema.Command;
import io.hormesis.schema.CommandKind;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.Signal;
import io.hormesis.schema.SignalKind;

import java.util.HashMap;
import java.util.Map;

/**
 * What the Kafka sinks count, for the dashboards: records written per kind ({@code
 * hormesis_commands_out{kind="SCALE"}}, {@code hormesis_signals_out{kind="ANOMALY"}}, {@code
 * hormesis_dead_letters_out{kind="TRUNCATED"}}) and, for signals, the detection delay: wall-clock
 * time when the signal is written minus the event time of the observation that fired it ({@code
 * hormesis_signal_delay_ms}, a histogram over the last 1,000 signals). Registered where records
 * leave the job, so the operators that make them stay free of dashboard concerns.
 */
final class SinkMetrics {
    /** Histogram window: the last this many signals. */
    static final int DELAY_WINDOW = 1_000;

    private final MetricGroup group;
    private final String counterName;
    private final Map<String, Counter> byKind = new HashMap<>();
    private final Histogram delay;

    private SinkMetrics(MetricGroup group, String counterName, boolean withDelay) {
        this.group = group;
        this.counterName = counterName;
        this.delay =
                withDelay
                        ? group.histogram(
                                "signal_delay_ms", new DescriptiveStatisticsHistogram(DELAY_WINDOW))
                        : null;
    }

    /**
     * The metrics for records of {@code type}, or {@code null} when it has none. The kinds of
     * commands and signals are known: each has its counter from the start, at 0 until one is
     * written, so a dashboard's series exists before the first command of a kind.
     */
    static SinkMetrics forType(Class<?> type, MetricGroup parent) {
        MetricGroup group = parent.addGroup("hormesis");
        if (type == Command.class) {
            return new SinkMetrics(group, "commands_out", false).withKinds(CommandKind.values());
        }
        if (type == Signal.class) {
            return new SinkMetrics(group, "signals_out", true).withKinds(SignalKind.values());
        }
        if (type == DeadLetter.class) {
            return new SinkMetrics(group, "dead_letters_out", false);
        }
        return null;
    }

    private SinkMetrics withKinds(Enum<?>[] kinds) {
        for (Enum<?> k : kinds) {
            counter(k.name());
        }
        return this;
    }

    private Counter counter(String kind) {
        return byKind.computeIfAbsent(kind, k -> group.addGroup("kind", k).counter(counterName));
    }

    void record(Object element) {
        String kind;
        if (element instanceof Command c) {
            kind = c.getKind().name();
        } else if (element instanceof Signal s) {
            kind = s.getKind().name();
            delay.update(Math.max(0, System.currentTimeMillis() - s.getEventTime().toEpochMilli()));
        } else if (element instanceof DeadLetter d) {
            kind = d.getReasonCode();
        } else {
            return;
        }
        counter(kind).inc();
    }
}
