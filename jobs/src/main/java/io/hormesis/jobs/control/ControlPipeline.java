package io.hormesis.jobs.control;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.jobs.watch.DecodedEventTime;
import io.hormesis.schema.Command;
import io.hormesis.schema.Decision;
import io.hormesis.schema.PolicyUpdate;
import io.hormesis.schema.Signal;

/**
 * CONTROL: the deployment's inputs (inference events, signals, resource samples, model events,
 * command outcomes) in, one {@link ControlFunction} per deployment; signed commands, decisions,
 * policy updates and escalation signals out. Sources and sinks are the caller's.
 */
public final class ControlPipeline {
    private ControlPipeline() {}

    /** What CONTROL produces. */
    public record Outputs(
            DataStream<Command> commands,
            DataStream<Decision> decisions,
            DataStream<PolicyUpdate> policyUpdates,
            DataStream<Signal> escalations) {}

    /**
     * The watermarks of each of CONTROL's Kafka sources: per partition, from the event time in each
     * record ({@link DecodedEventTime}), {@code control.max-out-of-orderness} behind the latest,
     * and a partition with no records for {@code control.idle-input} (wall time) stops holding the
     * others back. Being per partition is what makes CONTROL's decisions the same after a restart
     * with a backlog: the union of five topics, read at uneven speeds, is not in event-time order,
     * but no partition's records are late because another ran ahead.
     */
    public static WatermarkStrategy<RawRecord> watermarks(
            Configuration config, DecodedEventTime<?> eventTime) {
        return WatermarkStrategy.<RawRecord>forBoundedOutOfOrderness(
                        config.get(HormesisOptions.CONTROL_MAX_OUT_OF_ORDERNESS))
                .withTimestampAssigner(eventTime)
                .withIdleness(config.get(HormesisOptions.CONTROL_IDLE_INPUT));
    }

    /**
     * CONTROL over {@code inputs}, which must carry event-time timestamps and watermarks (the
     * sources' own, {@link #watermarks}).
     */
    public static Outputs build(Configuration config, DataStream<ControlRecord> inputs) {
        ControlSettings settings = ControlSettings.from(config);
        CommandSigner signer =
                new CommandSigner(
                        config.get(HormesisOptions.CONTROL_SIGNING_KEY_ID),
                        HormesisOptions.signingKey(config));
        SingleOutputStreamOperator<Command> commands =
                inputs.keyBy(ControlRecord::deployment)
                        .process(
                                new ControlFunction(settings, signer),
                                new AvroTypeInfo<>(Command.class))
                        .uid("control-policy")
                        .name("CONTROL: policy per deployment");
        return new Outputs(
                commands,
                commands.getSideOutput(ControlFunction.DECISIONS),
                commands.getSideOutput(ControlFunction.POLICY_UPDATES),
                commands.getSideOutput(ControlFunction.ESCALATIONS));
    }
}
