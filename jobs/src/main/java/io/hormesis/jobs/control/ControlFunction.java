package io.hormesis.jobs.control;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import io.hormesis.jobs.common.KeyedStates;
import io.hormesis.schema.Command;
import io.hormesis.schema.Decision;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;
import io.hormesis.schema.PolicyUpdate;
import io.hormesis.schema.Signal;
import io.hormesis.stats.control.ControlInput;
import io.hormesis.stats.control.ControlOutput;
import io.hormesis.stats.control.DeploymentController;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * CONTROL's keyed operator: one {@link DeploymentController} per deployment, fed in event-time
 * order and ticked on event-time timers.
 *
 * <ul>
 *   <li>Inference events are aggregated per interval and model version ({@link
 *       TelemetryAggregator}); signals, resource samples, model events and command outcomes wait in
 *       a buffer. When the watermark passes an interval's end, the closed intervals and the
 *       buffered inputs before it are handed to the controller in event-time order, then the
 *       controller ticks. The order, and so every id the controller derives, does not depend on how
 *       the five topics interleaved on arrival.
 *   <li>Commands are signed ({@link CommandSigner}) and carry their ISSUED decision's statistics as
 *       evidence; decisions, policy updates and ESCALATION signals go to side outputs.
 *   <li>Until a resource sample says otherwise, a deployment runs {@code initialReplicas}.
 *   <li>A deployment with no input for {@code idleMillis} stops ticking (a command in flight gets
 *       its timeout longer, {@link #keepsTicking}); its state is cleared {@code stateTtl} after its
 *       last input by a cleanup timer, and every state also has that TTL.
 * </ul>
 */
public class ControlFunction extends KeyedProcessFunction<String, ControlRecord, Command> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ControlFunction.class);

    public static final OutputTag<Decision> DECISIONS =
            new OutputTag<>("decisions", new AvroTypeInfo<>(Decision.class));
    public static final OutputTag<PolicyUpdate> POLICY_UPDATES =
            new OutputTag<>("policy-updates", new AvroTypeInfo<>(PolicyUpdate.class));
    public static final OutputTag<Signal> ESCALATIONS =
            new OutputTag<>("escalations", new AvroTypeInfo<>(Signal.class));

    /** Samples kept per interval and version; the controller keeps its own bounded windows. */
    static final int MAX_SAMPLES = 256;

    /** Versions per interval: a deployment serves one or two (a canary) at a time. */
    static final int MAX_VERSIONS = 8;

    private final ControlSettings settings;
    private final CommandSigner signer;

    private transient DeploymentController.Config controllerConfig;
    private transient ValueState<DeploymentController> controllerState;
    private transient ValueState<TelemetryAggregator> telemetryState;
    private transient ListState<ControlRecord> pendingState;
    private transient ValueState<ControlClock> clockState;
    private transient Counter commands;
    private transient Counter decisions;
    private transient Counter policyUpdates;
    private transient Counter escalations;
    private transient Counter lateEvents;
    private transient Counter refusedInputs;

    public ControlFunction(ControlSettings settings, CommandSigner signer) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.signer = Objects.requireNonNull(signer, "signer");
    }

    @Override
    public void open(OpenContext openContext) {
        controllerConfig = settings.controllerConfig();
        ValueStateDescriptor<DeploymentController> controller =
                new ValueStateDescriptor<>("controller", DeploymentControllerSerializer.INSTANCE);
        ValueStateDescriptor<TelemetryAggregator> telemetry =
                new ValueStateDescriptor<>("telemetry", TelemetryAggregatorSerializer.INSTANCE);
        ListStateDescriptor<ControlRecord> pending =
                new ListStateDescriptor<>("pending", TypeInformation.of(ControlRecord.class));
        ValueStateDescriptor<ControlClock> clock =
                new ValueStateDescriptor<>("clock", TypeInformation.of(ControlClock.class));
        KeyedStates.expireAfterWrite(controller, settings.stateTtl());
        KeyedStates.expireAfterWrite(telemetry, settings.stateTtl());
        KeyedStates.expireAfterWrite(pending, settings.stateTtl());
        KeyedStates.expireAfterWrite(clock, settings.stateTtl());
        controllerState = getRuntimeContext().getState(controller);
        telemetryState = getRuntimeContext().getState(telemetry);
        pendingState = getRuntimeContext().getListState(pending);
        clockState = getRuntimeContext().getState(clock);
        var group = getRuntimeContext().getMetricGroup().addGroup("hormesis");
        commands = group.counter("commands");
        decisions = group.counter("decisions");
        policyUpdates = group.counter("policy_updates");
        escalations = group.counter("escalations");
        lateEvents = group.counter("control_late_events");
        refusedInputs = group.counter("control_refused_inputs");
    }

    /**
     * Counts one inference event into a deployment's telemetry, as CONTROL does (and its plain-Java
     * oracle in the tests): a failed request is an error, a missing prediction score is NaN.
     */
    static TelemetryAggregator.Refusal count(
            TelemetryAggregator telemetry, long time, InferenceEvent event) {
        return telemetry.add(
                time,
                event.getModelName(),
                event.getModelVersion(),
                event.getLatencyMs(),
                event.getStatus() != InferenceStatus.OK,
                event.getPredictionScore() == null ? Double.NaN : event.getPredictionScore());
    }

    @Override
    public void processElement(ControlRecord record, Context ctx, Collector<Command> out)
            throws Exception {
        long time = record.eventTimeMillis();
        ControlClock clock = clock();
        InferenceEvent event = record.getInference();
        if (event != null) {
            TelemetryAggregator telemetry = telemetryState.value();
            if (telemetry == null) {
                telemetry =
                        new TelemetryAggregator(
                                settings.intervalMillis(), MAX_SAMPLES, MAX_VERSIONS);
            }
            TelemetryAggregator.Refusal refusal = count(telemetry, time, event);
            if (refusal == TelemetryAggregator.Refusal.LATE) {
                lateEvents.inc();
                return;
            }
            if (refusal != TelemetryAggregator.Refusal.NONE) {
                refusedInputs.inc();
                return;
            }
            telemetryState.update(telemetry);
        } else {
            pendingState.add(record);
        }
        if (clock.getLastInputMillis() == ControlClock.NONE || time > clock.getLastInputMillis()) {
            clock.setLastInputMillis(time);
        }
        if (clock.getNextTickMillis() == ControlClock.NONE) {
            long from = Math.max(time, ctx.timerService().currentWatermark());
            long next =
                    Math.floorDiv(from, settings.intervalMillis()) * settings.intervalMillis()
                            + settings.intervalMillis();
            clock.setNextTickMillis(next);
            ctx.timerService().registerEventTimeTimer(next);
        }
        if (clock.getCleanupAtMillis() != ControlClock.NONE) {
            ctx.timerService().deleteEventTimeTimer(clock.getCleanupAtMillis());
            clock.setCleanupAtMillis(ControlClock.NONE);
        }
        clockState.update(clock);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Command> out)
            throws Exception {
        ControlClock clock = clock();
        if (timestamp == clock.getNextTickMillis()) {
            tick(timestamp, clock, ctx, out);
        } else if (timestamp == clock.getCleanupAtMillis()) {
            LOG.debug("{}: idle since {}, clearing its state", ctx.getCurrentKey(), timestamp);
            controllerState.clear();
            telemetryState.clear();
            pendingState.clear();
            clockState.clear();
        }
    }

    private void tick(long time, ControlClock clock, OnTimerContext ctx, Collector<Command> out)
            throws Exception {
        String deployment = ctx.getCurrentKey();
        DeploymentController controller = controllerState.value();
        if (controller == null) {
            controller = new DeploymentController(deployment, controllerConfig);
            // Until a resource sample says otherwise, the deployment runs its initial size.
            controller.onResources(
                    new ControlInput.Resources(
                            clock.getLastInputMillis(), settings.initialReplicas(), Double.NaN));
        }

        List<Timed> due = new ArrayList<>();
        List<ControlRecord> later = new ArrayList<>();
        Iterable<ControlRecord> pending = pendingState.get();
        if (pending != null) {
            for (ControlRecord r : pending) {
                if (r.eventTimeMillis() < time) {
                    due.add(new Timed(r.eventTimeMillis(), due.size(), r, null));
                } else {
                    later.add(r);
                }
            }
        }
        TelemetryAggregator telemetry = telemetryState.value();
        if (telemetry != null) {
            for (TelemetryAggregator.Interval i : telemetry.closeUpTo(time)) {
                due.add(new Timed(i.end(), due.size(), null, i));
            }
        }
        // Event-time order; at equal times in arrival order (telemetry of an interval after the
        // inputs of the same instant), so the controller sees one order whatever the interleaving.
        due.sort(Comparator.comparingLong(Timed::time).thenComparingInt(Timed::seq));

        Outputs outputs = new Outputs();
        for (Timed t : due) {
            try {
                outputs.add(
                        t.interval() != null
                                ? controller.onTelemetry(ControlMapping.telemetry(t.interval()))
                                : feed(controller, t.record()));
            } catch (IllegalArgumentException e) {
                // A record the controller refuses (a name too long, counts that do not add up)
                // is counted and skipped: bad input never fails the job.
                refusedInputs.inc();
                LOG.debug("{}: refused {}: {}", deployment, t, e.getMessage());
            }
        }
        outputs.add(controller.tick(time));
        emit(outputs, ctx, out);

        controllerState.update(controller);
        if (telemetry != null) {
            if (telemetry.isEmpty()) {
                telemetryState.clear();
            } else {
                telemetryState.update(telemetry);
            }
        }
        pendingState.update(later);

        boolean active =
                keepsTicking(
                        settings,
                        time - clock.getLastInputMillis(),
                        controller.pendingCommandId() != null,
                        !later.isEmpty() || (telemetry != null && !telemetry.isEmpty()));
        if (active) {
            clock.setNextTickMillis(time + settings.intervalMillis());
            ctx.timerService().registerEventTimeTimer(clock.getNextTickMillis());
        } else {
            clock.setNextTickMillis(ControlClock.NONE);
            long cleanup = clock.getLastInputMillis() + settings.stateTtl().toMillis();
            clock.setCleanupAtMillis(Math.max(cleanup, time + 1));
            ctx.timerService().registerEventTimeTimer(clock.getCleanupAtMillis());
        }
        clockState.update(clock);
    }

    /**
     * Whether a deployment ticks again, {@code sinceLastInput} after its last input: while it has
     * input (for {@code idleMillis}), while inputs wait for a later tick, and while a command is in
     * flight, but not for ever: a command has until {@code idleMillis} plus its timeout after the
     * last input to expire and be escalated. A deployment whose commands never get an outcome
     * (deleted, or its controller gone) would otherwise escalate and re-issue for as long as the
     * job runs, and its state would never expire. Shared with the plain-Java oracle of the tests.
     */
    static boolean keepsTicking(
            ControlSettings settings,
            long sinceLastInput,
            boolean commandInFlight,
            boolean inputsWaiting) {
        return sinceLastInput < settings.idleMillis()
                || inputsWaiting
                || (commandInFlight
                        && sinceLastInput
                                < settings.idleMillis() + settings.commandTimeoutMillis());
    }

    private static ControlOutput feed(DeploymentController controller, ControlRecord r) {
        if (r.getSignal() != null) {
            ControlInput.Signal s = ControlMapping.signal(r.getSignal());
            return s == null ? ControlOutput.EMPTY : controller.onSignal(s);
        }
        if (r.getResources() != null) {
            return controller.onResources(ControlMapping.resources(r.getResources()));
        }
        if (r.getModelEvent() != null) {
            ControlInput.ModelEvent e = ControlMapping.modelEvent(r.getModelEvent());
            return e == null ? ControlOutput.EMPTY : controller.onModelEvent(e);
        }
        if (r.getOutcome() != null) {
            return controller.onOutcome(ControlMapping.outcome(r.getOutcome()));
        }
        return ControlOutput.EMPTY;
    }

    private void emit(Outputs outputs, OnTimerContext ctx, Collector<Command> out) {
        Map<String, Map<String, Double>> evidence = new HashMap<>();
        for (ControlOutput.Decision d : outputs.decisions) {
            if (d.outcome() == ControlOutput.DecisionOutcome.ISSUED && d.commandId() != null) {
                evidence.put(d.commandId(), d.statistics());
            }
        }
        for (ControlOutput.Command c : outputs.commands) {
            Command command =
                    signer.sign(
                            ControlMapping.command(
                                    c, evidence.getOrDefault(c.commandId(), Map.of())));
            commands.inc();
            LOG.info("{}: {} {}: {}", c.deployment(), c.kind(), c.commandId(), c.reason());
            out.collect(command);
        }
        for (ControlOutput.Decision d : outputs.decisions) {
            decisions.inc();
            ctx.output(DECISIONS, ControlMapping.decision(d));
            if (d.outcome() == ControlOutput.DecisionOutcome.ESCALATED) {
                escalations.inc();
                ctx.output(ESCALATIONS, ControlMapping.escalation(d));
            }
        }
        for (ControlOutput.PolicyChange p : outputs.policyUpdates) {
            policyUpdates.inc();
            ctx.output(POLICY_UPDATES, ControlMapping.policyUpdate(p));
        }
    }

    private ControlClock clock() throws Exception {
        ControlClock clock = clockState.value();
        return clock == null ? new ControlClock() : clock;
    }

    /** An input due at a tick: a buffered record or a closed telemetry interval. */
    private record Timed(
            long time, int seq, ControlRecord record, TelemetryAggregator.Interval interval) {}

    /** One tick's outputs, in the order the controller produced them. */
    private static final class Outputs {
        final List<ControlOutput.Decision> decisions = new ArrayList<>();
        final List<ControlOutput.Command> commands = new ArrayList<>();
        final List<ControlOutput.PolicyChange> policyUpdates = new ArrayList<>();

        void add(ControlOutput o) {
            decisions.addAll(o.decisions());
            commands.addAll(o.commands());
            policyUpdates.addAll(o.policyUpdates());
        }
    }
}
