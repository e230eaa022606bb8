package io.hormesis.jobs.watch;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.schema.BaselineSnapshot;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.Signal;
import io.hormesis.stats.watch.KeyWatch;

/**
 * WATCH: raw inference-event bytes in; signals with evidence, baseline snapshots and dead letters
 * out. Decoding and a per-interval pre-aggregation run chained to the source, so the keyed exchange
 * carries one aggregate per key and interval rather than every event. Sources and sinks are the
 * caller's, so tests can run it on collections.
 */
public final class WatchPipeline {
    private WatchPipeline() {}

    /** Requests buffered in a pre-aggregation task before it flushes every partial. */
    static final int MAX_BUFFERED_REQUESTS = 200_000;

    /** Keys open in a pre-aggregation task before it flushes every partial. */
    static final int MAX_KEYS = 10_000;

    /** What WATCH produces. */
    public record Outputs(
            DataStream<Signal> signals,
            DataStream<DeadLetter> deadLetters,
            DataStream<BaselineSnapshot> baselines) {}

    public static Outputs build(Configuration config, DataStream<RawRecord> events) {
        KeyWatch.Settings settings = settings(config);
        InferenceEventAggregator aggregator =
                new InferenceEventAggregator(
                        new InferenceEventValidator(
                                config.get(HormesisOptions.WATCH_MAX_FUTURE_SKEW),
                                config.get(HormesisOptions.WATCH_KNOWN_DEPLOYMENTS)),
                        settings.intervalMillis(),
                        settings.idCap(),
                        MAX_BUFFERED_REQUESTS,
                        MAX_KEYS);
        SingleOutputStreamOperator<KeyedInterval> partials =
                events.transform(
                                "WATCH: decode and aggregate per interval",
                                KeyedInterval.TYPE,
                                aggregator)
                        .uid("watch-decode-aggregate");

        SingleOutputStreamOperator<Signal> signals =
                partials.keyBy(KeyedInterval::key)
                        .process(
                                new WatchFunction(settings, config.get(HormesisOptions.STATE_TTL)),
                                new AvroTypeInfo<>(Signal.class))
                        .uid("watch-interval-scores")
                        .name("WATCH: interval anomaly tests");

        return new Outputs(
                signals,
                partials.getSideOutput(DecodeFunction.DEAD_LETTERS),
                signals.getSideOutput(WatchFunction.BASELINES));
    }

    /** WATCH's per-key settings from the configuration. */
    public static KeyWatch.Settings settings(Configuration config) {
        return KeyWatch.Settings.of(
                config.get(HormesisOptions.WATCH_FIRE_P),
                config.get(HormesisOptions.WATCH_INTERVAL).toMillis(),
                config.get(HormesisOptions.WATCH_BASELINE_INTERVAL).toMillis());
    }
}
