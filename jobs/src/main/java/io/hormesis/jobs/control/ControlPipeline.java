package io.hormesis.jobs.control;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;

import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.schema.Command;
import io.hormesis.schema.Signal;

/** CONTROL: signals in, signed commands out, one policy instance per deployment. */
public final class ControlPipeline {
    private ControlPipeline() {}

    public static DataStream<Command> build(Configuration config, DataStream<Signal> signals) {
        LatencyScalePolicyFunction.Settings settings =
                new LatencyScalePolicyFunction.Settings(
                        config.get(HormesisOptions.CONTROL_INITIAL_REPLICAS),
                        config.get(HormesisOptions.CONTROL_MAX_REPLICAS),
                        config.get(HormesisOptions.CONTROL_COOLDOWN),
                        config.get(HormesisOptions.CONTROL_COMMAND_TTL),
                        config.get(HormesisOptions.STATE_TTL));
        CommandSigner signer =
                new CommandSigner(
                        config.get(HormesisOptions.CONTROL_SIGNING_KEY_ID),
                        HormesisOptions.signingKey(config));
        return signals.keyBy(Signal::getDeployment)
                .process(
                        new LatencyScalePolicyFunction(settings, signer),
                        new AvroTypeInfo<>(Command.class))
                .uid("control-scale-policy")
                .name("CONTROL: scale policy");
    }
}
