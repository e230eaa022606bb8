package io.hormesis.jobs.control;

import io.hormesis.schema.Command;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.stats.control.ControlInput;
import io.hormesis.stats.control.ControlOutput;
import io.hormesis.stats.control.DeploymentController;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the CONTROL job must decide for a known stream, computed in plain Java without Flink: per
 * deployment, the same {@link DeploymentController} fed the same inputs in the order {@link
 * ControlFunction} feeds them (inference events aggregated per interval by {@link
 * TelemetryAggregator}; other inputs buffered; at each tick the closed intervals and the inputs
 * before it in event-time order, then {@code tick}). Ticks fire as the job's watermark would pass
 * them: up to the latest event time seen less the out-of-orderness. Signals are not fed: the ones
 * CONTROL reads come from WATCH and from its own escalations, and the controller only cites them
 * (and counts DRIFT ones, which neither raises), so command ids, kinds and actions do not depend on
 * them.
 */
public final class ControlOracle {

    /** Everything the controllers decided, in the order they decided it. */
    public record Result(
            List<ControlOutput.Command> commands,
            List<ControlOutput.Decision> decisions,
            List<ControlOutput.PolicyChange> policyUpdates,
            long finalWatermark,
            long lateEvents,
            long refused) {}

    private ControlOracle() {}

    /**
     * Runs the controllers over {@code records} (in stream order, each deployment's in event-time
     * order), ticking every tick at or below the final watermark, {@code max event time - B - 1}
     * with {@code B = outOfOrdernessMillis}, as {@code forBoundedOutOfOrderness} emits it.
     */
    public static Result run(
            ControlSettings settings, List<ControlRecord> records, long outOfOrdernessMillis) {
        long max = Long.MIN_VALUE;
        Map<String, List<ControlRecord>> byDeployment = new LinkedHashMap<>();
        for (ControlRecord r : records) {
            if (r.getSignal() != null) {
                continue;
            }
            max = Math.max(max, r.eventTimeMillis());
            byDeployment.computeIfAbsent(r.deployment(), d -> new ArrayList<>()).add(r);
        }
        long watermark = max - outOfOrdernessMillis - 1;
        Result total =
                new Result(
                        new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), watermark, 0, 0);
        long late = 0;
        long refused = 0;
        for (Map.Entry<String, List<ControlRecord>> e : byDeployment.entrySet()) {
            Deployment d = new Deployment(e.getKey(), settings);
            for (ControlRecord r : e.getValue()) {
                d.tickUpTo(r.eventTimeMillis() - outOfOrdernessMillis - 1, total);
                d.add(r);
            }
            d.tickUpTo(watermark, total);
            late += d.late;
            refused += d.refused;
        }
        return new Result(
                total.commands(),
                total.decisions(),
                total.policyUpdates(),
                watermark,
                late,
                refused);
    }

    /** One deployment's ControlFunction state, without Flink. */
    private static final class Deployment {
        private final String name;
        private final ControlSettings settings;
        private final DeploymentController.Config config;
        private DeploymentController controller;
        private final TelemetryAggregator telemetry;
        private List<ControlRecord> pending = new ArrayList<>();
        private long lastInput = ControlClock.NONE;
        private long nextTick = ControlClock.NONE;
        private long late;
        private long refused;

        Deployment(String name, ControlSettings settings) {
            this.name = name;
            this.settings = settings;
            this.config = settings.controllerConfig();
            this.telemetry =
                    new TelemetryAggregator(
                            settings.intervalMillis(),
                            ControlFunction.MAX_SAMPLES,
                            ControlFunction.MAX_VERSIONS);
        }

        void add(ControlRecord r) {
            long time = r.eventTimeMillis();
            InferenceEvent event = r.getInference();
            if (event != null) {
                TelemetryAggregator.Refusal refusal = ControlFunction.count(telemetry, time, event);
                if (refusal == TelemetryAggregator.Refusal.LATE) {
                    late++;
                    return;
                }
                if (refusal != TelemetryAggregator.Refusal.NONE) {
                    refused++;
                    return;
                }
            } else {
                pending.add(r);
            }
            if (lastInput == ControlClock.NONE || time > lastInput) {
                lastInput = time;
            }
            if (nextTick == ControlClock.NONE) {
                long interval = settings.intervalMillis();
                nextTick = Math.floorDiv(time, interval) * interval + interval;
            }
        }

        void tickUpTo(long watermark, Result out) {
            while (nextTick != ControlClock.NONE && nextTick <= watermark) {
                tick(nextTick, out);
            }
        }

        private void tick(long time, Result out) {
            if (controller == null) {
                controller = new DeploymentController(name, config);
                controller.onResources(
                        new ControlInput.Resources(
                                lastInput, settings.initialReplicas(), Double.NaN));
            }
            record Timed(
                    long time, int seq, ControlRecord record, TelemetryAggregator.Interval i) {}
            List<Timed> due = new ArrayList<>();
            List<ControlRecord> later = new ArrayList<>();
            for (ControlRecord r : pending) {
                if (r.eventTimeMillis() < time) {
                    due.add(new Timed(r.eventTimeMillis(), due.size(), r, null));
                } else {
                    later.add(r);
                }
            }
            for (TelemetryAggregator.Interval i : telemetry.closeUpTo(time)) {
                due.add(new Timed(i.end(), due.size(), null, i));
            }
            due.sort(Comparator.comparingLong(Timed::time).thenComparingInt(Timed::seq));
            for (Timed t : due) {
                try {
                    collect(
                            t.i() != null
                                    ? controller.onTelemetry(ControlMapping.telemetry(t.i()))
                                    : feed(t.record()),
                            out);
                } catch (IllegalArgumentException e) {
                    refused++;
                }
            }
            collect(controller.tick(time), out);
            pending = later;
            boolean active =
                    ControlFunction.keepsTicking(
                            settings,
                            time - lastInput,
                            controller.pendingCommandId() != null,
                            !later.isEmpty() || !telemetry.isEmpty());
            // An idle deployment stops ticking; the fault stream never idles that long.
            nextTick = active ? time + settings.intervalMillis() : ControlClock.NONE;
        }

        private ControlOutput feed(ControlRecord r) {
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

        private static void collect(ControlOutput o, Result out) {
            out.decisions().addAll(o.decisions());
            out.commands().addAll(o.commands());
            out.policyUpdates().addAll(o.policyUpdates());
        }
    }

    /** What a command orders: id, kind, deployment, issue time and action. */
    public static String describe(Command c) {
        return String.join(
                "|",
                c.getCommandId(),
                c.getKind().name(),
                c.getDeployment(),
                String.valueOf(c.getIssuedAt().toEpochMilli()),
                c.getScale() == null ? "" : String.valueOf(c.getScale().getTargetReplicas()),
                c.getRollback() == null ? "" : c.getRollback().getToVersion());
    }

    /** The same for the oracle's commands. */
    public static String describe(ControlOutput.Command c) {
        return String.join(
                "|",
                c.commandId(),
                c.kind().name(),
                c.deployment(),
                String.valueOf(c.issuedAt()),
                c.scale() == null ? "" : String.valueOf(c.scale().targetReplicas()),
                c.rollback() == null ? "" : c.rollback().toVersion());
    }
}
