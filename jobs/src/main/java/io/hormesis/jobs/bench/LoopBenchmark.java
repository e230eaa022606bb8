package io.hormesis.jobs.bench;

import io.hormesis.jobs.sim.twin.ArrivalTrace;
import io.hormesis.jobs.sim.twin.DeploymentTwin;
import io.hormesis.jobs.sim.twin.TwinScenario;
import io.hormesis.stats.control.ControlInput.ModelEvent;
import io.hormesis.stats.control.ControlInput.Outcome;
import io.hormesis.stats.control.ControlInput.Signal;
import io.hormesis.stats.control.ControlOutput;
import io.hormesis.stats.control.ControlOutput.Command;
import io.hormesis.stats.control.ControlOutput.CommandKind;
import io.hormesis.stats.control.ControlOutput.DecisionOutcome;
import io.hormesis.stats.control.ControlOutput.ScaleAction;
import io.hormesis.stats.control.DeploymentController;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * {@code bench loop}: the closed loop on the fleet twin, three policies on the same trace and
 * scenario in one run: static provisioning for the peak, a reactive HPA-style scaler, and Hormesis
 * ({@link DeploymentController}). Each policy drives its own twin built from the same seed, so all
 * three see the same arrivals and events.
 */
public final class LoopBenchmark {
    private LoopBenchmark() {}

    /** Start of simulated time: 2026-11-16T18:00:00Z. */
    static final long START = 1_794_852_000_000L;

    /** HPA's target utilisation of the replicas' nominal throughput. */
    static final double HPA_TARGET = 0.7;

    /** What to run. */
    public record Options(String scenario, ArrivalTrace trace, int durationSeconds, long seed) {}

    /** One policy's figures and its series for the chart (one point per 10 s). */
    public record PolicyResult(
            String policy,
            int sloViolationSeconds,
            double gpuHours,
            int scalingCommands,
            double rollbackSeconds,
            int rollbacks,
            int falseRollbacks,
            int retrains,
            int escalations,
            int inconclusive,
            int policyUpdates,
            List<Integer> violationsPerEpisode,
            double[] replicas,
            double[] violationsPerInterval,
            List<ControlOutput.PolicyChange> learned,
            List<ControlOutput.Decision> decisions) {}

    /** The whole run. */
    public record Result(
            String scenario,
            String trace,
            int durationSeconds,
            long seed,
            int staticReplicas,
            double[] load,
            List<TwinScenario.Event> events,
            List<PolicyResult> policies) {

        public PolicyResult policy(String name) {
            return policies.stream().filter(p -> p.policy().equals(name)).findFirst().orElseThrow();
        }

        public String toJson() {
            StringBuilder b = new StringBuilder();
            b.append("{\"benchmark\":\"loop\",\"scenario\":\"").append(scenario).append("\"");
            b.append(",\"trace\":\"").append(trace.replace("\"", "'")).append("\"");
            b.append(",\"duration_seconds\":").append(durationSeconds);
            b.append(",\"seed\":").append(seed);
            b.append(",\"static_replicas\":").append(staticReplicas);
            b.append(",\"policies\":[");
            for (int i = 0; i < policies.size(); i++) {
                PolicyResult p = policies.get(i);
                b.append(i == 0 ? "" : ",");
                b.append(
                        String.format(
                                Locale.ROOT,
                                "{\"policy\":\"%s\",\"slo_violation_seconds\":%d,"
                                        + "\"gpu_hours\":%.3f,\"scaling_commands\":%d,"
                                        + "\"rollback_seconds\":%s,\"rollbacks\":%d,"
                                        + "\"false_rollbacks\":%d,\"retrains\":%d,"
                                        + "\"escalations\":%d,\"inconclusive\":%d,"
                                        + "\"policy_updates\":%d,\"violations_per_episode\":%s}",
                                p.policy(),
                                p.sloViolationSeconds(),
                                p.gpuHours(),
                                p.scalingCommands(),
                                Double.isNaN(p.rollbackSeconds())
                                        ? "null"
                                        : String.format(Locale.ROOT, "%.1f", p.rollbackSeconds()),
                                p.rollbacks(),
                                p.falseRollbacks(),
                                p.retrains(),
                                p.escalations(),
                                p.inconclusive(),
                                p.policyUpdates(),
                                p.violationsPerEpisode()));
            }
            b.append("]}");
            return b.toString();
        }
    }

    /** A policy under test: reads what the twin reports each second, returns commands. */
    interface Policy {
        String name();

        List<Command> onStep(DeploymentTwin.Step step);

        void onOutcome(Outcome outcome);
    }

    public static Result run(Options options) {
        TwinScenario scenario =
                TwinScenario.of(options.scenario(), options.durationSeconds(), options.seed());
        DeploymentTwin.Spec probe = DeploymentTwin.Spec.benchmark(1);
        double nominal = probe.slots() * 1000.0 / probe.serviceMeanMillis();
        double peak = 0;
        for (int s = 0; s < options.durationSeconds(); s++) {
            peak = Math.max(peak, options.trace().rate(s) * scenario.loadFactor(s));
        }
        int staticReplicas = 1;
        while (staticReplicas * probe.capacityPerReplicaAtSlo(staticReplicas) < peak) {
            staticReplicas++;
        }
        // The adaptive policies start sized for the first two minutes at HPA's target.
        double early = 0;
        for (int s = 0; s < Math.min(120, options.durationSeconds()); s++) {
            early = Math.max(early, options.trace().rate(s) * scenario.loadFactor(s));
        }
        int initial = Math.max(1, (int) Math.ceil(early / (HPA_TARGET * nominal)));

        List<PolicyResult> results = new ArrayList<>();
        double[] load = null;
        for (String name : List.of("static-peak", "reactive-hpa", "hormesis")) {
            int startReplicas = name.equals("static-peak") ? staticReplicas : initial;
            DeploymentTwin twin =
                    new DeploymentTwin(
                            DeploymentTwin.Spec.benchmark(startReplicas),
                            options.trace(),
                            scenario,
                            START,
                            options.seed());
            Policy policy =
                    switch (name) {
                        case "static-peak" -> new StaticPolicy();
                        case "reactive-hpa" -> new ReactivePolicy(nominal, 1, 400);
                        default -> new HormesisPolicy(twin.spec(), nominal);
                    };
            Run r = drive(twin, policy, scenario);
            load = r.load;
            results.add(r.result);
        }
        return new Result(
                scenario.name(),
                options.trace().description(),
                options.durationSeconds(),
                options.seed(),
                staticReplicas,
                load,
                scenario.events(),
                results);
    }

    private record Run(PolicyResult result, double[] load) {}

    private static Run drive(DeploymentTwin twin, Policy policy, TwinScenario scenario) {
        int intervals = (scenario.durationSeconds() + 9) / 10;
        double[] load = new double[intervals];
        double[] replicas = new double[intervals];
        double[] violations = new double[intervals];
        List<TwinScenario.Surge> surges = scenario.surges();
        int[] perEpisode = new int[surges.size()];
        int violated = 0;
        double replicaSeconds = 0;
        int falseRollbacks = 0;
        int rollbacks = 0;
        while (!twin.finished()) {
            DeploymentTwin.Step step = twin.step();
            int s = (int) ((step.time() - START) / 1000);
            int i = s / 10;
            load[i] += step.offeredRate() / 10;
            replicas[i] = Math.max(replicas[i], step.provisionedReplicas());
            replicaSeconds += step.provisionedReplicas();
            if (step.sloViolated()) {
                violated++;
                violations[i]++;
                for (int e = 0; e < surges.size(); e++) {
                    int from = surges.get(e).atSecond();
                    int to =
                            e + 1 < surges.size()
                                    ? surges.get(e + 1).atSecond()
                                    : Integer.MAX_VALUE;
                    if (s >= from && s < Math.min(to, from + 900)) {
                        perEpisode[e]++;
                    }
                }
            }
            for (Command c : policy.onStep(step)) {
                if (c.kind() == CommandKind.ROLLBACK) {
                    rollbacks++;
                    if (!c.rollback().fromVersion().equals(twin.spec().bad().name())) {
                        falseRollbacks++;
                    }
                }
                policy.onOutcome(twin.apply(c));
            }
        }
        double rollbackSeconds =
                twin.deployedAt() != Long.MIN_VALUE && twin.rolledBackAt() > twin.deployedAt()
                        ? (twin.rolledBackAt() - twin.deployedAt()) / 1000.0
                        : Double.NaN;
        HormesisPolicy h = policy instanceof HormesisPolicy hp ? hp : null;
        List<Integer> episodes = new ArrayList<>();
        for (int v : perEpisode) {
            episodes.add(v);
        }
        PolicyResult result =
                new PolicyResult(
                        policy.name(),
                        violated,
                        replicaSeconds / 3600.0,
                        twin.scaleCommands(),
                        rollbackSeconds,
                        rollbacks,
                        falseRollbacks,
                        twin.retrains(),
                        h == null ? 0 : h.escalations,
                        h == null ? 0 : h.inconclusive,
                        h == null ? 0 : h.updates.size(),
                        episodes,
                        replicas,
                        violations,
                        h == null ? List.of() : h.updates,
                        h == null ? List.of() : h.decisions);
        return new Run(result, load);
    }

    /** Provisioned for the peak from the start; never acts. */
    static final class StaticPolicy implements Policy {
        @Override
        public String name() {
            return "static-peak";
        }

        @Override
        public List<Command> onStep(DeploymentTwin.Step step) {
            return List.of();
        }

        @Override
        public void onOutcome(Outcome outcome) {}
    }

    /**
     * The Kubernetes HPA algorithm on the observed request rate: every 10 s, desired = ceil(rate /
     * (target x nominal throughput per replica)); no change within 10 % tolerance of the current
     * count; scale-up at once, scale-down to the highest recommendation of the last 300 s. The
     * count it compares with is the desired count it last set (replicas warming up count).
     */
    static final class ReactivePolicy implements Policy {
        private final double nominal;
        private final int min;
        private final int max;
        private final Deque<long[]> window = new ArrayDeque<>();
        private int desired = -1;
        private int seq;
        private long first = Long.MIN_VALUE;

        ReactivePolicy(double nominal, int min, int max) {
            this.nominal = nominal;
            this.min = min;
            this.max = max;
        }

        @Override
        public String name() {
            return "reactive-hpa";
        }

        @Override
        public List<Command> onStep(DeploymentTwin.Step step) {
            if (step.telemetry() == null) {
                return List.of();
            }
            long now = step.telemetry().eventTime();
            if (desired < 0) {
                desired = step.provisionedReplicas();
            }
            double rate = step.telemetry().requestsPerSecond();
            double ratio = rate / (desired * HPA_TARGET * nominal);
            int recommendation =
                    Math.abs(ratio - 1) <= 0.1
                            ? desired
                            : (int) Math.ceil(rate / (HPA_TARGET * nominal));
            recommendation = Math.max(min, Math.min(max, recommendation));
            window.addLast(new long[] {now, recommendation});
            while (window.peekFirst()[0] <= now - 300_000) {
                window.removeFirst();
            }
            if (first == Long.MIN_VALUE) {
                first = now;
            }
            int target = recommendation;
            if (recommendation < desired && now - first < 300_000) {
                // As for Hormesis: no scale-down before the window has seen a whole window.
                target = desired;
            } else if (recommendation < desired) {
                int highest = 0;
                for (long[] r : window) {
                    highest = (int) Math.max(highest, r[1]);
                }
                target = Math.min(desired, highest);
            }
            if (target == desired) {
                return List.of();
            }
            Command c =
                    new Command(
                            "hpa-" + (++seq),
                            CommandKind.SCALE,
                            "chat-llm",
                            "llama-chat",
                            now,
                            now + 30_000,
                            "hpa: " + desired + " -> " + target,
                            List.of(),
                            new ScaleAction(desired, target, rate, nominal * HPA_TARGET),
                            null,
                            null);
            desired = target;
            return List.of(c);
        }

        @Override
        public void onOutcome(Outcome outcome) {}
    }

    /** The DeploymentController on the twin's reports, ticked every telemetry interval. */
    static final class HormesisPolicy implements Policy {
        final DeploymentController controller;
        final List<ControlOutput.PolicyChange> updates = new ArrayList<>();
        final List<ControlOutput.Decision> decisions = new ArrayList<>();
        int escalations;
        int inconclusive;
        private List<Command> pending = new ArrayList<>();

        HormesisPolicy(DeploymentTwin.Spec spec, double nominal) {
            controller =
                    new DeploymentController(
                            spec.deployment(),
                            DeploymentController.Config.defaults(
                                    spec.sloMillis(), 1, 400, nominal, 30_000));
        }

        @Override
        public String name() {
            return "hormesis";
        }

        @Override
        public List<Command> onStep(DeploymentTwin.Step step) {
            List<Command> commands = pending;
            pending = new ArrayList<>();
            for (ModelEvent e : step.modelEvents()) {
                collect(controller.onModelEvent(e), commands);
            }
            for (Signal s : step.signals()) {
                collect(controller.onSignal(s), commands);
            }
            for (Outcome o : step.outcomes()) {
                collect(controller.onOutcome(o), commands);
            }
            if (step.resources() != null) {
                collect(controller.onResources(step.resources()), commands);
            }
            if (step.telemetry() != null) {
                collect(controller.onTelemetry(step.telemetry()), commands);
                collect(controller.tick(step.telemetry().eventTime()), commands);
            }
            return commands;
        }

        @Override
        public void onOutcome(Outcome outcome) {
            // Commands decided on an outcome go out with the next step.
            collect(controller.onOutcome(outcome), pending);
        }

        private void collect(ControlOutput out, List<Command> commands) {
            commands.addAll(out.commands());
            updates.addAll(out.policyUpdates());
            decisions.addAll(out.decisions());
            for (ControlOutput.Decision d : out.decisions()) {
                if (d.outcome() == DecisionOutcome.ESCALATED) {
                    escalations++;
                } else if (d.outcome() == DecisionOutcome.INCONCLUSIVE) {
                    inconclusive++;
                }
            }
        }
    }

    /** The targets, met or not, as lines to print. */
    public static List<String> targets(Result r) {
        PolicyResult st = r.policy("static-peak");
        PolicyResult re = r.policy("reactive-hpa");
        PolicyResult h = r.policy("hormesis");
        List<String> lines = new ArrayList<>();
        lines.add(
                String.format(
                        Locale.ROOT,
                        "target violations <= 50%% of reactive: %d <= %.0f %s",
                        h.sloViolationSeconds(),
                        re.sloViolationSeconds() / 2.0,
                        mark(h.sloViolationSeconds() <= re.sloViolationSeconds() / 2.0)));
        lines.add(
                String.format(
                        Locale.ROOT,
                        "target GPU-hours <= 70%% of static peak: %.2f <= %.2f %s",
                        h.gpuHours(),
                        0.7 * st.gpuHours(),
                        mark(h.gpuHours() <= 0.7 * st.gpuHours())));
        List<Integer> ep = h.violationsPerEpisode();
        if (ep.size() >= 3) {
            lines.add(
                    String.format(
                            Locale.ROOT,
                            "target violations fall from episode 1 to 3: %s %s",
                            ep,
                            mark(ep.get(2) < ep.get(0))));
        }
        if (r.events().stream().anyMatch(e -> e instanceof TwinScenario.BadDeploy)) {
            lines.add(
                    String.format(
                            Locale.ROOT,
                            "target rollback within 60 s of the bad deploy: %s %s",
                            Double.isNaN(h.rollbackSeconds())
                                    ? "none"
                                    : String.format(Locale.ROOT, "%.0f s", h.rollbackSeconds()),
                            mark(h.rollbackSeconds() <= 60)));
        }
        lines.add(
                String.format(
                        Locale.ROOT,
                        "target zero false rollbacks: %d %s",
                        h.falseRollbacks(),
                        mark(h.falseRollbacks() == 0)));
        return lines;
    }

    private static String mark(boolean met) {
        return met ? "MET" : "NOT MET";
    }

    public static void writeChart(Result result, Path png) throws IOException {
        LoopChart.write(result, png);
    }

    public static void writeJson(Result result, Path json) throws IOException {
        if (json.toAbsolutePath().getParent() != null) {
            Files.createDirectories(json.toAbsolutePath().getParent());
        }
        Files.writeString(json, result.toJson() + "\n", StandardCharsets.UTF_8);
    }
}
