package io.hormesis.jobs.control;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import io.hormesis.jobs.common.DeterministicIds;
import io.hormesis.jobs.common.KeyedStates;
import io.hormesis.jobs.watch.ObservationExtractor;
import io.hormesis.schema.Command;
import io.hormesis.schema.CommandKind;
import io.hormesis.schema.ScaleAction;
import io.hormesis.schema.Signal;
import io.hormesis.schema.SignalKind;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The skeleton's policy, keyed per deployment: a latency anomaly scales the deployment out in
 * proportion to how far latency rose above its baseline, at most once per cooldown (event time).
 * The replica count is CONTROL's own record of what it last commanded, starting from a configured
 * value; the closed loop (learned capacity, forecasts, outcomes) replaces it.
 */
public class LatencyScalePolicyFunction extends KeyedProcessFunction<String, Signal, Command> {
    private static final long serialVersionUID = 1L;

    /** Policy parameters. */
    public record Settings(
            int initialReplicas,
            int maxReplicas,
            Duration cooldown,
            Duration commandTtl,
            Duration stateTtl)
            implements Serializable {
        public Settings {
            if (initialReplicas < 1 || maxReplicas < initialReplicas) {
                throw new IllegalArgumentException(
                        "need 1 <= initialReplicas <= maxReplicas, got "
                                + initialReplicas
                                + " and "
                                + maxReplicas);
            }
        }
    }

    private final Settings settings;
    private final CommandSigner signer;

    private transient ValueState<DeploymentControlState> state;
    private transient Counter commands;
    private transient Counter suppressed;

    public LatencyScalePolicyFunction(Settings settings, CommandSigner signer) {
        this.settings = settings;
        this.signer = signer;
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<DeploymentControlState> descriptor =
                new ValueStateDescriptor<>(
                        "deployment-control", TypeInformation.of(DeploymentControlState.class));
        KeyedStates.expireAfterWrite(descriptor, settings.stateTtl());
        state = getRuntimeContext().getState(descriptor);
        var group = getRuntimeContext().getMetricGroup().addGroup("hormesis");
        commands = group.counter("commands");
        suppressed = group.counter("commands_suppressed");
    }

    @Override
    public void processElement(Signal signal, Context ctx, Collector<Command> out)
            throws Exception {
        if (signal.getKind() != SignalKind.ANOMALY
                || !ObservationExtractor.LATENCY.equals(signal.getSignalName())) {
            return;
        }
        Double level = signal.getEvidence().getBaseline().get("level");
        if (level == null || !(level > 0) || !(signal.getValue() > level)) {
            return;
        }
        DeploymentControlState current = state.value();
        if (current == null) {
            current = new DeploymentControlState(settings.initialReplicas());
        }
        long time = signal.getEventTime().toEpochMilli();
        if (time < current.getCooldownUntilMillis()) {
            suppressed.inc();
            return;
        }
        int from = current.getReplicas();
        if (from >= settings.maxReplicas()) {
            suppressed.inc();
            return;
        }
        double ratio = signal.getValue() / level;
        int target =
                (int) Math.min(settings.maxReplicas(), Math.max(from + 1, Math.ceil(from * ratio)));
        Command command = signer.sign(scale(signal, from, target, ratio));

        current.setReplicas(target);
        current.setCooldownUntilMillis(time + settings.cooldown().toMillis());
        current.setCommandsIssued(current.getCommandsIssued() + 1);
        current.setLastCommandId(command.getCommandId());
        state.update(current);
        commands.inc();
        out.collect(command);
    }

    private Command scale(Signal signal, int from, int target, double ratio) {
        Instant issued = signal.getEventTime();
        String reason =
                String.format(
                        Locale.ROOT,
                        "%s of %s %s on %s is %.1fx its baseline (%.1f vs %.1f): scale %d -> %d"
                                + " replicas",
                        signal.getSignalName(),
                        signal.getModelName(),
                        signal.getModelVersion(),
                        signal.getDeployment(),
                        ratio,
                        signal.getValue(),
                        signal.getEvidence().getBaseline().get("level"),
                        from,
                        target);
        return Command.newBuilder()
                .setCommandId(
                        DeterministicIds.of(
                                "cmd",
                                signal.getDeployment(),
                                CommandKind.SCALE,
                                target,
                                signal.getSignalId()))
                .setKind(CommandKind.SCALE)
                .setDeployment(signal.getDeployment())
                .setModelName(signal.getModelName())
                .setIssuedAt(issued)
                .setExpiresAt(issued.plus(settings.commandTtl()))
                .setReason(reason)
                .setSignalIds(List.of(signal.getSignalId()))
                .setScale(new ScaleAction(from, target, null, null))
                .build();
    }
}
