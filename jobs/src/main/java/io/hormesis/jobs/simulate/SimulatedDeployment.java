package io.hormesis.jobs.simulate;

import io.hormesis.stats.control.ControlInput;
import io.hormesis.stats.control.ControlOutput;

import java.util.List;

/**
 * What the Kafka side of the simulator needs from a simulated deployment: step it one simulated
 * second, see what it reported, and apply a verified command to it. The fleet's digital twin
 * ({@code io.hormesis.jobs.sim.twin.DeploymentTwin}) is one; {@link KafkaSimulation} turns its
 * reports into Kafka records.
 */
public interface SimulatedDeployment {

    /**
     * What one simulated second produced; telemetry every interval, the rest when it happens.
     * Signals are what WATCH would raise about the deployment (the twin's feature drift).
     */
    record Step(
            long time,
            String liveVersion,
            int readyReplicas,
            ControlInput.Telemetry telemetry,
            ControlInput.Resources resources,
            List<ControlInput.ModelEvent> modelEvents,
            List<ControlInput.Signal> signals,
            List<ControlInput.Outcome> outcomes) {}

    String deployment();

    String modelName();

    /** Simulated time of the next step (epoch ms). */
    long now();

    boolean finished();

    Step step();

    /** Applies a command that passed verification; its outcomes appear in later steps. */
    void apply(ControlOutput.Command command);
}
