package io.hormesis.stats.control;

import io.hormesis.stats.control.ScaleDecider.Action;
import io.hormesis.stats.control.ScaleDecider.Config;
import io.hormesis.stats.control.ScaleDecider.Decision;
import io.hormesis.stats.forecast.HoltWinters;
import io.hormesis.stats.forecast.RateForecaster;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SCALE pieces wired as the CONTROL operator wires them: a {@link RateForecaster} over 10 s
 * buckets, a lead time from the {@link WarmupEstimator}, and the {@link ScaleDecider}, on a
 * deployment whose replicas are ready 60 s after a SCALE. Reference: the counterfactual of the same
 * decider fed the observed rate instead of the forecast (a reactive HPA); the forecast must leave
 * at most half its under-provisioned seconds on a steady ramp, the target for the loop.
 */
class ScaleLoopTest {

    private static final double CAPACITY = 10.0;
    private static final long WARMUP = 60_000;

    /** A ramp from 50 to 300 requests/s over 10 minutes, after 10 quiet minutes. */
    private static long rate(long second) {
        if (second < 600) {
            return 50;
        }
        return Math.min(300, 50 + (second - 600) * 250 / 600);
    }

    /** Seconds with more load than ready capacity over 30 minutes. */
    private static int underProvisionedSeconds(boolean forecastDriven) {
        RateForecaster forecaster =
                new RateForecaster(10_000, new HoltWinters(0.5, 0.1, 0.0, 1.0, 1));
        WarmupEstimator warmup = new WarmupEstimator(30_000, 0.5);
        ScaleDecider decider = new ScaleDecider(Config.defaults(1, 100, 5 * WARMUP));
        int replicas = 6;
        int pending = -1;
        long readyAt = 0;
        long appliedAt = 0;
        int violations = 0;
        for (long s = 0; s < 1_800; s++) {
            long now = s * 1_000;
            if (pending >= 0 && now >= readyAt) {
                if (pending > replicas) {
                    warmup.onOutcome(appliedAt, readyAt); // only a scale-up has a warm-up
                }
                replicas = pending;
                pending = -1;
                decider.onOutcome();
            }
            forecaster.onEvents(now, rate(s));
            if (rate(s) > replicas * CAPACITY) {
                violations++;
            }
            if (s % 10 == 9) {
                // The next command can land only after this one: forecast over two warm-ups.
                double forecast =
                        forecastDriven
                                ? forecaster.upperRatePerSecond(2 * warmup.leadMillis(), 0.8)
                                : rate(s);
                Decision d = decider.decide(now, forecast, rate(s), CAPACITY, replicas, 0.1);
                if (d.action() == Action.SCALE) {
                    pending = d.targetReplicas();
                    appliedAt = now;
                    readyAt = now + (pending > replicas ? WARMUP : 0);
                }
            }
        }
        assertThat(warmup.outcomes()).isPositive();
        return violations;
    }

    @Test
    void forecastDrivenScalingLeavesAtMostHalfTheReactiveUnderProvisioning() {
        int reactive = underProvisionedSeconds(false);
        int forecast = underProvisionedSeconds(true);
        String figures = "reactive " + reactive + " s, forecast " + forecast + " s";
        assertThat(reactive).as(figures).isGreaterThan(60);
        assertThat(forecast).as(figures).isLessThanOrEqualTo(reactive / 2);
    }
}
