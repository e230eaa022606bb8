package io.hormesis.jobs.watch;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import io.hormesis.jobs.common.DeterministicIds;
import io.hormesis.schema.BaselineSnapshot;
import io.hormesis.schema.Evidence;
import io.hormesis.schema.Signal;
import io.hormesis.schema.SignalKind;
import io.hormesis.stats.watch.KeyWatch;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * WATCH's keyed operator: one {@link KeyWatch} per model version on a deployment, fed the interval
 * aggregates of {@link InferenceEventAggregator}. Each closed window is judged per metric (latency,
 * time to first token, error rate) against the key's reference, and the first firing window of an
 * episode becomes a {@link Signal} with its evidence (the binomial tail probability against the
 * threshold, the baseline it was judged against, the window's span, count and request ids);
 * baseline snapshots go to the {@link #BASELINES} side output every {@code watch.baseline-interval}
 * of event time.
 *
 * <p>A window closes when data of a later interval arrives for its key, or when a watermark passes
 * its deadline (an event-time timer, so a bounded input closes every window at its end). A key
 * without data for {@code stateTtl} (processing time) is dropped by a cleanup timer.
 */
public class WatchFunction extends KeyedProcessFunction<String, KeyedInterval, Signal> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<BaselineSnapshot> BASELINES =
            new OutputTag<>("baselines", new AvroTypeInfo<>(BaselineSnapshot.class));

    private final KeyWatch.Settings settings;
    private final long stateTtlMillis;

    private transient ValueState<KeyWatch> watchState;
    private transient ValueState<Long> closeTimer;
    private transient ValueState<Long> cleanupTimer;
    private transient ValueState<String[]> names;
    private transient Counter signals;
    private transient Counter baselines;

    public WatchFunction(KeyWatch.Settings settings, Duration stateTtl) {
        this.settings = settings;
        if (stateTtl.isNegative() || stateTtl.isZero()) {
            throw new IllegalArgumentException("stateTtl must be positive, got " + stateTtl);
        }
        this.stateTtlMillis = stateTtl.toMillis();
    }

    /** The default settings with firing threshold {@code fireP} (fails here, on the client). */
    public WatchFunction(double fireP, Duration stateTtl) {
        this(KeyWatch.Settings.withFireP(fireP), stateTtl);
    }

    @Override
    public void open(OpenContext openContext) {
        watchState =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "key-watch", KeyWatchSerializer.INSTANCE));
        closeTimer =
                getRuntimeContext().getState(new ValueStateDescriptor<>("close-timer", Types.LONG));
        cleanupTimer =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("cleanup-timer", Types.LONG));
        names =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "names", BasicArrayTypeInfo.STRING_ARRAY_TYPE_INFO));
        var group = getRuntimeContext().getMetricGroup().addGroup("hormesis");
        signals = group.counter("signals");
        baselines = group.counter("baselines");
    }

    @Override
    public void processElement(KeyedInterval partial, Context ctx, Collector<Signal> out)
            throws Exception {
        KeyWatch watch = watchState.value();
        if (watch == null) {
            watch = new KeyWatch(settings);
        }
        watch.add(partial.stats(), emitter(partial, ctx, out));
        watchState.update(watch);
        if (names.value() == null) {
            names.update(
                    new String[] {
                        partial.deployment(), partial.modelName(), partial.modelVersion()
                    });
        }
        rearm(watch, ctx);
        long cleanup = ctx.timerService().currentProcessingTime() + stateTtlMillis;
        Long previous = cleanupTimer.value();
        if (previous != null) {
            ctx.timerService().deleteProcessingTimeTimer(previous);
        }
        ctx.timerService().registerProcessingTimeTimer(cleanup);
        cleanupTimer.update(cleanup);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Signal> out)
            throws Exception {
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            Long close = closeTimer.value();
            if (close != null) {
                ctx.timerService().deleteEventTimeTimer(close);
            }
            watchState.clear();
            names.clear();
            closeTimer.clear();
            cleanupTimer.clear();
            return;
        }
        KeyWatch watch = watchState.value();
        closeTimer.clear();
        if (watch == null) {
            return;
        }
        String[] n = names.value();
        KeyedInterval key = new KeyedInterval(n[0], n[1], n[2], EMPTY);
        watch.advanceTo(timestamp, emitter(key, ctx, out));
        watchState.update(watch);
        rearm(watch, ctx);
    }

    private static final io.hormesis.stats.watch.IntervalStats EMPTY =
            new io.hormesis.stats.watch.IntervalStats(0, 0);

    /** Keeps exactly one event-time timer per key, at the open window's deadline. */
    private void rearm(KeyWatch watch, Context ctx) throws Exception {
        long deadline = watch.closeDeadline();
        Long current = closeTimer.value();
        if (current != null && current == deadline) {
            return;
        }
        if (current != null) {
            ctx.timerService().deleteEventTimeTimer(current);
        }
        if (deadline == Long.MAX_VALUE) {
            closeTimer.clear();
        } else {
            ctx.timerService().registerEventTimeTimer(deadline);
            closeTimer.update(deadline);
        }
    }

    private KeyWatch.Listener emitter(KeyedInterval key, Context ctx, Collector<Signal> out) {
        return new KeyWatch.Listener() {
            @Override
            public void alarm(KeyWatch.Alarm alarm) {
                signals.inc();
                out.collect(signal(key, alarm));
            }

            @Override
            public void baseline(KeyWatch.Baseline baseline) {
                baselines.inc();
                ctx.output(BASELINES, snapshot(key, baseline));
            }
        };
    }

    static BaselineSnapshot snapshot(KeyedInterval key, KeyWatch.Baseline b) {
        return BaselineSnapshot.newBuilder()
                .setSnapshotId(
                        DeterministicIds.of(
                                "base", key.key() + '|' + b.metric(), b.eventTimeMillis(), "watch"))
                .setDeployment(key.deployment())
                .setModelName(key.modelName())
                .setModelVersion(key.modelVersion())
                .setSignalName(b.metric())
                .setEventTime(Instant.ofEpochMilli(b.eventTimeMillis()))
                .setCount(b.count())
                .setLevel(b.level())
                .setSpread(b.spread())
                .setLastScore(b.lastScore())
                .setStatistics(b.statistics())
                .build();
    }

    static Signal signal(KeyedInterval key, KeyWatch.Alarm alarm) {
        Double level = alarm.baseline().get("level");
        String reason =
                String.format(
                        Locale.ROOT,
                        "%s of %s %s on %s was %.4g over %d requests against a baseline level"
                                + " %.4g: %s %s = %.2g (threshold %.2g)",
                        alarm.metric(),
                        key.modelName(),
                        key.modelVersion(),
                        key.deployment(),
                        alarm.value(),
                        alarm.windowCount(),
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
                                key.key() + '|' + alarm.metric(),
                                alarm.eventTimeMillis(),
                                alarm.detector()))
                .setKind(SignalKind.ANOMALY)
                .setDeployment(key.deployment())
                .setModelName(key.modelName())
                .setModelVersion(key.modelVersion())
                .setSignalName(alarm.metric())
                .setEventTime(Instant.ofEpochMilli(alarm.eventTimeMillis()))
                .setValue(alarm.value())
                .setScore(alarm.score())
                .setReason(reason)
                .setEvidence(evidence)
                .build();
    }
}
