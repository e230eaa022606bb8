package io.hormesis.jobs.simulate;

import io.hormesis.jobs.sim.twin.ArrivalTrace;
import io.hormesis.jobs.sim.twin.DeploymentTwin;
import io.hormesis.jobs.sim.twin.TwinScenario;
import io.hormesis.stats.control.ControlInput;
import io.hormesis.stats.control.ControlOutput;

import java.util.ArrayList;
import java.util.List;

/**
 * The fleet's digital twin ({@link DeploymentTwin}) as a {@link SimulatedDeployment}: the outcome a
 * command gets when applied is reported in the next step, as a controller would send it.
 */
public final class TwinDeployment implements SimulatedDeployment {
    private final DeploymentTwin twin;
    private final List<ControlInput.Outcome> queued = new ArrayList<>();

    public TwinDeployment(DeploymentTwin twin) {
        this.twin = twin;
    }

    /**
     * The benchmark's deployment ({@link DeploymentTwin.Spec#benchmark}) in scenario {@code name},
     * its load from {@code trace}, starting with the replicas the first two minutes need at 70 %
     * utilisation, as {@code bench loop} starts its adaptive policies.
     */
    public static TwinDeployment create(
            String name, int durationSeconds, ArrivalTrace trace, long startMillis, long seed) {
        TwinScenario scenario = TwinScenario.of(name, durationSeconds, seed);
        DeploymentTwin.Spec probe = DeploymentTwin.Spec.benchmark(1);
        double nominal = nominalCapacity(probe);
        double early = 0;
        for (int s = 0; s < Math.min(120, durationSeconds); s++) {
            early = Math.max(early, trace.rate(s) * scenario.loadFactor(s));
        }
        int initial = Math.max(1, (int) Math.ceil(early / (0.7 * nominal)));
        return new TwinDeployment(
                new DeploymentTwin(
                        DeploymentTwin.Spec.benchmark(initial),
                        trace,
                        scenario,
                        startMillis,
                        seed));
    }

    /** Requests/s a replica serves flat out: what CONTROL should assume before it learns. */
    public static double nominalCapacity(DeploymentTwin.Spec spec) {
        return spec.slots() * 1000.0 / spec.serviceMeanMillis();
    }

    public DeploymentTwin twin() {
        return twin;
    }

    @Override
    public String deployment() {
        return twin.spec().deployment();
    }

    @Override
    public String modelName() {
        return twin.spec().model();
    }

    @Override
    public long now() {
        return twin.now();
    }

    @Override
    public boolean finished() {
        return twin.finished();
    }

    @Override
    public Step step() {
        DeploymentTwin.Step s = twin.step();
        List<ControlInput.Outcome> outcomes = new ArrayList<>(queued);
        queued.clear();
        outcomes.addAll(s.outcomes());
        return new Step(
                s.time(),
                s.liveVersion(),
                s.readyReplicas(),
                s.telemetry(),
                s.resources(),
                s.modelEvents(),
                s.signals(),
                outcomes);
    }

    @Override
    public void apply(ControlOutput.Command command) {
        queued.add(twin.apply(command));
    }
}
