package io.hormesis.jobs.sim.twin;

/**
 * The twin's latency model: an M/M/c queue (Poisson arrivals, {@code c} servers with exponential
 * service, first come first served) in steady state, whose sojourn time (wait plus service) has the
 * closed-form tail
 *
 * <pre>
 *   P(R > t) = (1 - C) e^(-mu t) + C (theta e^(-mu t) - mu e^(-theta t)) / (theta - mu)
 * </pre>
 *
 * with {@code C} the Erlang C probability of waiting and {@code theta = c mu - lambda} (Gross and
 * Harris, <i>Fundamentals of Queueing Theory</i>, section 2.3). Latency therefore grows with load
 * and explodes as utilisation nears 1. Beyond saturation a steady state does not exist; the twin
 * then keeps a fluid backlog whose drain time is added to the latency ({@link DeploymentTwin}).
 */
public final class QueueingLatency {
    private QueueingLatency() {}

    /** Utilisation used for the stationary part when the offered load saturates the servers. */
    static final double MAX_UTILISATION = 0.995;

    /** Erlang C: probability that an arrival waits, for {@code c} servers and load {@code a}. */
    public static double erlangC(int c, double offeredLoad) {
        if (c < 1) {
            throw new IllegalArgumentException("c must be >= 1, got " + c);
        }
        double rho = offeredLoad / c;
        if (!(rho >= 0) || rho >= 1) {
            throw new IllegalArgumentException("utilisation must be in [0, 1), got " + rho);
        }
        // Erlang B by its stable recursion, then C from B.
        double b = 1.0;
        for (int k = 1; k <= c; k++) {
            b = offeredLoad * b / (k + offeredLoad * b);
        }
        return b / (1 - rho * (1 - b));
    }

    /**
     * P(sojourn > t) for arrival rate {@code lambda} (1/s), {@code c} servers of rate {@code mu}
     * (1/s), t in seconds; utilisation is capped at {@link #MAX_UTILISATION}.
     */
    public static double sojournTail(double lambda, int c, double mu, double t) {
        double l = Math.min(lambda, MAX_UTILISATION * c * mu);
        double pWait = l <= 0 ? 0.0 : erlangC(c, l / mu);
        double theta = c * mu - l;
        double service = Math.exp(-mu * t);
        double waitPlusService;
        if (Math.abs(theta - mu) < 1e-9 * mu) {
            waitPlusService = (1 + mu * t) * Math.exp(-mu * t);
        } else {
            waitPlusService =
                    (theta * Math.exp(-mu * t) - mu * Math.exp(-theta * t)) / (theta - mu);
        }
        return (1 - pWait) * service + pWait * waitPlusService;
    }

    /** The {@code q} quantile (e.g. 0.95) of the sojourn time, in milliseconds. */
    public static double sojournQuantileMillis(double lambda, int c, double mu, double q) {
        return quantileMillis(new double[] {lambda}, new double[] {1.0}, c, mu, q);
    }

    /**
     * The {@code q} quantile, in ms, of a mixture of stationary sojourn times: second {@code i} had
     * rate {@code lambdas[i]} and weight {@code weights[i]} (its share of the requests), all with
     * {@code c} servers of rate {@code mu}. Bisection to 0.1 ms.
     */
    public static double quantileMillis(
            double[] lambdas, double[] weights, int c, double mu, double q) {
        if (!(q > 0 && q < 1)) {
            throw new IllegalArgumentException("q must be in (0, 1), got " + q);
        }
        if (c < 1 || !(mu > 0)) {
            throw new IllegalArgumentException("need c >= 1 and mu > 0");
        }
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        if (!(total > 0)) {
            return 0.0;
        }
        double lo = 0;
        double hi = 1.0 / mu;
        while (tail(lambdas, weights, total, c, mu, hi) > 1 - q) {
            hi *= 2;
        }
        while (hi - lo > 1e-4) {
            double mid = 0.5 * (lo + hi);
            if (tail(lambdas, weights, total, c, mu, mid) > 1 - q) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return 1000 * 0.5 * (lo + hi);
    }

    private static double tail(
            double[] lambdas, double[] weights, double total, int c, double mu, double t) {
        double p = 0;
        for (int i = 0; i < lambdas.length; i++) {
            if (weights[i] > 0) {
                p += weights[i] / total * sojournTail(lambdas[i], c, mu, t);
            }
        }
        return p;
    }

    /**
     * The highest arrival rate (1/s) at which {@code c} servers of rate {@code mu} keep the {@code
     * q} sojourn quantile within {@code sloMillis}; 0 if even an idle server is too slow.
     */
    public static double rateAtSlo(int c, double mu, double q, double sloMillis) {
        if (sojournQuantileMillis(0, c, mu, q) > sloMillis) {
            return 0.0;
        }
        double lo = 0;
        double hi = MAX_UTILISATION * c * mu;
        for (int i = 0; i < 60; i++) {
            double mid = 0.5 * (lo + hi);
            if (sojournQuantileMillis(mid, c, mu, q) <= sloMillis) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
