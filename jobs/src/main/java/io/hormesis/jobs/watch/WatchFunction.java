package io.hormesis.jobs.watch;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import io.hormesis.jobs.common.DeterministicIds;
import io.hormesis.jobs.common.KeyedStates;
import io.hormesis.schema.Evidence;
import io.hormesis.schema.Signal;
import io.hormesis.schema.SignalKind;
import io.hormesis.stats.watch.KeyWatch;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * WATCH's keyed operator: one {@link KeyWatch} per model version on a deployment, scoring every
 * successful request's latency and time to first token with a calibrated anomaly score, and
 * emitting a {@link Signal} with its evidence (the test that fired, its tail probability against
 * the threshold, the baseline it was judged against, the window of requests) at the first firing of
 * each episode. State expires after a TTL, so a retired model version does not hold state forever.
 */
public class WatchFunction extends KeyedProcessFunction<String, Observation, Signal> {
    private static final long serialVersionUID = 1L;

    private final KeyWatch.Settings settings;
    private final Duration stateTtl;

    private transient ValueState<KeyWatch> watchState;
    private transient Counter signals;

    public WatchFunction(double fireP, Duration stateTtl) {
        // Fails here, on the client, rather than in a task after deployment.
        this.settings = KeyWatch.Settings.withFireP(fireP);
        if (stateTtl.isNegative() || stateTtl.isZero()) {
            throw new IllegalArgumentException("stateTtl must be positive, got " + stateTtl);
        }
        this.stateTtl = stateTtl;
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<KeyWatch> descriptor =
                new ValueStateDescriptor<>("key-watch", KeyWatchSerializer.INSTANCE);
        KeyedStates.expireAfterWrite(descriptor, stateTtl);
        watchState = getRuntimeContext().getState(descriptor);
        signals = getRuntimeContext().getMetricGroup().addGroup("hormesis").counter("signals");
    }

    @Override
    public void processElement(Observation o, Context ctx, Collector<Signal> out) throws Exception {
        KeyWatch watch = watchState.value();
        if (watch == null) {
            watch = new KeyWatch(settings);
        }
        List<KeyWatch.Alarm> alarms =
                watch.observe(
                        o.getEventTimeMillis(),
                        o.isOk(),
                        o.getLatencyMs(),
                        o.getTtftMs(),
                        o.getSourceId());
        watchState.update(watch);
        for (KeyWatch.Alarm alarm : alarms) {
            signals.inc();
            out.collect(signal(o, alarm));
        }
    }

    static Signal signal(Observation o, KeyWatch.Alarm alarm) {
        Double level = alarm.baseline().get("level");
        String reason =
                String.format(
                        Locale.ROOT,
                        "%s of %s %s on %s was %.4g against a baseline level %.4g: %s %s = %.2g"
                                + " (threshold %.2g)",
                        alarm.metric(),
                        o.getModelName(),
                        o.getModelVersion(),
                        o.getDeployment(),
                        alarm.value(),
                        level == null ? Double.NaN : level,
                        alarm.detector(),
                        alarm.statistic(),
                        alarm.statisticValue(),
                        alarm.threshold());
        Evidence evidence =
                Evidence.newBuilder()
                        .setDetector(alarm.detector())
                        .setStatistic(alarm.statistic())
                        .setStatisticValue(alarm.statisticValue())
                        .setThreshold(alarm.threshold())
                        .setBaseline(alarm.baseline())
                        .setWindowStart(Instant.ofEpochMilli(alarm.windowStartMillis()))
                        .setWindowEnd(Instant.ofEpochMilli(alarm.eventTimeMillis()))
                        .setWindowCount(alarm.windowCount())
                        .setSourceIds(alarm.sourceIds())
                        .build();
        return Signal.newBuilder()
                .setSignalId(
                        DeterministicIds.of(
                                "sig",
                                o.key() + '|' + alarm.metric(),
                                alarm.eventTimeMillis(),
                                alarm.detector()))
                .setKind(SignalKind.ANOMALY)
                .setDeployment(o.getDeployment())
                .setModelName(o.getModelName())
                .setModelVersion(o.getModelVersion())
                .setSignalName(alarm.metric())
                .setEventTime(Instant.ofEpochMilli(alarm.eventTimeMillis()))
                .setValue(alarm.value())
                .setScore(alarm.score())
                .setReason(reason)
                .setEvidence(evidence)
                .build();
    }
}
