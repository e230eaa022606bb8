package io.hormesis.jobs.watch;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import io.hormesis.jobs.common.DeterministicIds;
import io.hormesis.jobs.common.KeyedStates;
import io.hormesis.schema.Evidence;
import io.hormesis.schema.Signal;
import io.hormesis.schema.SignalKind;
import io.hormesis.stats.EwmaZScoreDetector;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Keeps one adaptive baseline per key (deployment, model, version, signal) and emits a {@link
 * Signal} with its evidence when the detector raises an alarm. State expires after a TTL, so a
 * retired model version does not hold state forever.
 */
public class BaselineDetectorFunction extends KeyedProcessFunction<String, Observation, Signal> {
    private static final long serialVersionUID = 1L;

    /** Detector parameters; a serializable value so the operator can be shipped to tasks. */
    public record Settings(
            double alpha,
            double zThreshold,
            int consecutive,
            int warmup,
            double relativeSpreadFloor,
            Duration stateTtl)
            implements java.io.Serializable {
        public Settings {
            // Fails here, on the client, rather than in a task after deployment.
            new EwmaZScoreDetector(alpha, zThreshold, consecutive, warmup, relativeSpreadFloor);
            if (stateTtl.isNegative() || stateTtl.isZero()) {
                throw new IllegalArgumentException("stateTtl must be positive");
            }
        }
    }

    private final Settings settings;

    private transient ValueState<EwmaZScoreDetector> detectorState;
    private transient Counter signals;

    public BaselineDetectorFunction(Settings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<EwmaZScoreDetector> descriptor =
                new ValueStateDescriptor<>(
                        "detector", TypeInformation.of(EwmaZScoreDetector.class));
        KeyedStates.expireAfterWrite(descriptor, settings.stateTtl());
        detectorState = getRuntimeContext().getState(descriptor);
        signals = getRuntimeContext().getMetricGroup().addGroup("hormesis").counter("signals");
    }

    @Override
    public void processElement(Observation o, Context ctx, Collector<Signal> out) throws Exception {
        EwmaZScoreDetector detector = detectorState.value();
        if (detector == null) {
            detector =
                    new EwmaZScoreDetector(
                            settings.alpha(),
                            settings.zThreshold(),
                            settings.consecutive(),
                            settings.warmup(),
                            settings.relativeSpreadFloor());
        }
        EwmaZScoreDetector.Alarm alarm =
                detector.observe(o.getEventTimeMillis(), o.getValue(), o.getSourceId());
        detectorState.update(detector);
        if (alarm != null) {
            signals.inc();
            out.collect(signal(o, alarm, settings.zThreshold()));
        }
    }

    static Signal signal(Observation o, EwmaZScoreDetector.Alarm alarm, double threshold) {
        String reason =
                String.format(
                        Locale.ROOT,
                        "%s of %s %s on %s rose to %.1f, %.1f spreads above its baseline"
                                + " %.1f (spread %.1f) for %d observations in a row",
                        o.getSignalName(),
                        o.getModelName(),
                        o.getModelVersion(),
                        o.getDeployment(),
                        alarm.value(),
                        alarm.zScore(),
                        alarm.baselineMean(),
                        alarm.baselineSpread(),
                        alarm.windowCount());
        Evidence evidence =
                Evidence.newBuilder()
                        .setDetector(EwmaZScoreDetector.NAME)
                        .setStatistic("zscore")
                        .setStatisticValue(alarm.zScore())
                        .setThreshold(threshold)
                        .setBaseline(
                                Map.of(
                                        "mean", alarm.baselineMean(),
                                        "spread", alarm.baselineSpread(),
                                        "count", (double) alarm.baselineCount()))
                        .setWindowStart(Instant.ofEpochMilli(alarm.windowStartMillis()))
                        .setWindowEnd(Instant.ofEpochMilli(o.getEventTimeMillis()))
                        .setWindowCount(alarm.windowCount())
                        .setSourceIds(Arrays.asList(alarm.sourceIds()))
                        .build();
        return Signal.newBuilder()
                .setSignalId(
                        DeterministicIds.of(
                                "sig", o.key(), o.getEventTimeMillis(), EwmaZScoreDetector.NAME))
                .setKind(SignalKind.ANOMALY)
                .setDeployment(o.getDeployment())
                .setModelName(o.getModelName())
                .setModelVersion(o.getModelVersion())
                .setSignalName(o.getSignalName())
                .setEventTime(Instant.ofEpochMilli(o.getEventTimeMillis()))
                .setValue(alarm.value())
                .setScore(alarm.score())
                .setReason(reason)
                .setEvidence(evidence)
                .build();
    }
}
