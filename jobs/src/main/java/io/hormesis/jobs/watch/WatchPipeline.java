package io.hormesis.jobs.watch;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.Signal;

/**
 * WATCH: raw inference-event bytes in; signals with evidence and dead letters out. Sources and
 * sinks are the caller's, so tests can run it on collections.
 */
public final class WatchPipeline {
    private WatchPipeline() {}

    /** What WATCH produces. */
    public record Outputs(DataStream<Signal> signals, DataStream<DeadLetter> deadLetters) {}

    public static Outputs build(Configuration config, DataStream<RawRecord> events) {
        DecodeFunction<InferenceEvent> decode =
                new DecodeFunction<>(
                        InferenceEvent.class,
                        new InferenceEventValidator(
                                config.get(HormesisOptions.WATCH_MAX_FUTURE_SKEW),
                                config.get(HormesisOptions.WATCH_KNOWN_DEPLOYMENTS)));
        SingleOutputStreamOperator<InferenceEvent> decoded =
                events.process(decode, decode.producedType())
                        .uid("watch-decode")
                        .name("WATCH: decode inference events");

        DataStream<Signal> signals =
                decoded.flatMap(new ObservationExtractor())
                        .uid("watch-observations")
                        .name("WATCH: observations")
                        .keyBy(Observation::key)
                        .process(
                                new WatchFunction(
                                        config.get(HormesisOptions.WATCH_FIRE_P),
                                        config.get(HormesisOptions.STATE_TTL)),
                                new AvroTypeInfo<>(Signal.class))
                        .uid("watch-anomaly-scores")
                        .name("WATCH: calibrated anomaly scores");

        return new Outputs(signals, decoded.getSideOutput(DecodeFunction.DEAD_LETTERS));
    }
}
