package io.hormesis.jobs.control;

import org.apache.flink.configuration.Configuration;

import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.stats.control.DeploymentController;

import java.io.Serializable;
import java.time.Duration;

/**
 * CONTROL's parameters, from configuration: what the {@link DeploymentController} of every
 * deployment is built with, plus the operator's own (telemetry interval, when to stop ticking an
 * idle deployment, state expiry). Serializable, so it travels inside the function; the controller's
 * {@code Config} is built from it in {@code open()}.
 */
public record ControlSettings(
        double sloMillis,
        int initialReplicas,
        int minReplicas,
        int maxReplicas,
        double priorCapacityPerReplica,
        long priorWarmupMillis,
        long intervalMillis,
        long scaleDownWindowMillis,
        long commandTimeoutMillis,
        long canaryWindowMillis,
        long idleMillis,
        Duration stateTtl)
        implements Serializable {

    public ControlSettings {
        if (initialReplicas < minReplicas || initialReplicas > maxReplicas) {
            throw new IllegalArgumentException(
                    "need minReplicas <= initialReplicas <= maxReplicas, got "
                            + minReplicas
                            + " <= "
                            + initialReplicas
                            + " <= "
                            + maxReplicas);
        }
        if (intervalMillis < 1 || idleMillis < intervalMillis) {
            throw new IllegalArgumentException(
                    "need 1 <= intervalMillis <= idleMillis, got "
                            + intervalMillis
                            + " and "
                            + idleMillis);
        }
        if (stateTtl == null || stateTtl.toMillis() < idleMillis) {
            throw new IllegalArgumentException(
                    "state.ttl ("
                            + stateTtl
                            + ") must be at least control.idle-after ("
                            + Duration.ofMillis(idleMillis)
                            + "): a deployment's state must outlive its last tick");
        }
        // Fails here, with the controller's own message, rather than in every task's open().
        controllerConfig(
                sloMillis,
                minReplicas,
                maxReplicas,
                priorCapacityPerReplica,
                priorWarmupMillis,
                intervalMillis,
                scaleDownWindowMillis,
                commandTimeoutMillis,
                canaryWindowMillis);
    }

    /** From the {@code control.*} options. */
    public static ControlSettings from(Configuration c) {
        return new ControlSettings(
                c.get(HormesisOptions.CONTROL_SLO_MS),
                c.get(HormesisOptions.CONTROL_INITIAL_REPLICAS),
                c.get(HormesisOptions.CONTROL_MIN_REPLICAS),
                c.get(HormesisOptions.CONTROL_MAX_REPLICAS),
                c.get(HormesisOptions.CONTROL_PRIOR_CAPACITY),
                c.get(HormesisOptions.CONTROL_PRIOR_WARMUP).toMillis(),
                c.get(HormesisOptions.CONTROL_INTERVAL).toMillis(),
                c.get(HormesisOptions.CONTROL_COOLDOWN).toMillis(),
                c.get(HormesisOptions.CONTROL_COMMAND_TTL).toMillis(),
                c.get(HormesisOptions.CONTROL_CANARY_WINDOW).toMillis(),
                c.get(HormesisOptions.CONTROL_IDLE_AFTER).toMillis(),
                c.get(HormesisOptions.STATE_TTL));
    }

    /** The controller's parameters: its defaults with this configuration's overrides. */
    public DeploymentController.Config controllerConfig() {
        return controllerConfig(
                sloMillis,
                minReplicas,
                maxReplicas,
                priorCapacityPerReplica,
                priorWarmupMillis,
                intervalMillis,
                scaleDownWindowMillis,
                commandTimeoutMillis,
                canaryWindowMillis);
    }

    private static DeploymentController.Config controllerConfig(
            double sloMillis,
            int minReplicas,
            int maxReplicas,
            double priorCapacityPerReplica,
            long priorWarmupMillis,
            long intervalMillis,
            long scaleDownWindowMillis,
            long commandTimeoutMillis,
            long canaryWindowMillis) {
        DeploymentController.Config d =
                DeploymentController.Config.defaults(
                        sloMillis,
                        minReplicas,
                        maxReplicas,
                        priorCapacityPerReplica,
                        priorWarmupMillis);
        return new DeploymentController.Config(
                d.sloMillis(),
                d.minReplicas(),
                d.maxReplicas(),
                d.priorCapacityPerReplica(),
                d.capacityAlpha(),
                d.priorWarmupMillis(),
                d.warmupAlpha(),
                intervalMillis,
                d.forecastLevel(),
                d.leadFactor(),
                d.initialHeadroom(),
                d.minHeadroom(),
                d.maxHeadroom(),
                d.headroomGrow(),
                d.headroomShrink(),
                d.headroomGrowCooldownMillis(),
                d.headroomShrinkAfterMillis(),
                d.overProvisionedUtilisation(),
                d.tolerance(),
                scaleDownWindowMillis,
                commandTimeoutMillis,
                d.effectGraceMillis(),
                canaryWindowMillis,
                d.judgeMinSamples(),
                d.judgeAlpha(),
                d.judgeMinShift(),
                d.sampleCap(),
                d.driftCheckMillis(),
                d.driftChecks(),
                d.retrainPeriodMillis(),
                d.referenceMillis(),
                d.maxFeatures(),
                d.maxSignals());
    }
}
