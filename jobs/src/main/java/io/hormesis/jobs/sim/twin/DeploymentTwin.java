package io.hormesis.jobs.sim.twin;

import io.hormesis.stats.control.ControlInput.ModelEvent;
import io.hormesis.stats.control.ControlInput.ModelEventKind;
import io.hormesis.stats.control.ControlInput.Outcome;
import io.hormesis.stats.control.ControlInput.OutcomeStatus;
import io.hormesis.stats.control.ControlInput.Resources;
import io.hormesis.stats.control.ControlInput.Signal;
import io.hormesis.stats.control.ControlInput.SignalKind;
import io.hormesis.stats.control.ControlInput.Telemetry;
import io.hormesis.stats.control.ControlOutput.Command;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A digital twin of one GPU deployment, stepped one simulated second at a time: replicas that
 * become ready a warm-up after they are asked for, {@code slots} concurrent requests per replica
 * with exponential service times, the latency of an M/M/c queue ({@link QueueingLatency}) plus the
 * drain time of a fluid backlog once the load exceeds what the ready replicas serve, model versions
 * with their own error rate, latency factor and prediction-score distribution, replica crashes,
 * feature drift (reported as the DRIFT signals WATCH would raise), and a load from an {@link
 * ArrivalTrace} shaped by a {@link TwinScenario}.
 *
 * <p>It applies SCALE and ROLLBACK commands (RETRAIN is acknowledged and counted) and reports their
 * outcomes: APPLIED at once, EFFECTIVE when the replicas are ready or the version switched. It
 * emits, every 10 s, one telemetry interval and one resource sample, as the CONTROL job sees them.
 * The same seed gives the same run.
 */
public final class DeploymentTwin {

    /** A model version's behaviour. */
    public record Version(
            String name,
            double errorRate,
            double latencyFactor,
            double scoreMean,
            double scoreSd) {}

    /**
     * The deployment's hardware and models.
     *
     * @param slots concurrent requests one replica serves
     * @param serviceMeanMillis mean service time of one request at latency factor 1
     * @param warmupMillis time from a replica being asked for to it being ready
     * @param warmupJitter relative spread of the warm-up, uniform in +-jitter
     * @param timeoutMillis a request waiting longer fails (counted as an error)
     */
    public record Spec(
            String deployment,
            String model,
            int initialReplicas,
            int slots,
            double serviceMeanMillis,
            long warmupMillis,
            double warmupJitter,
            double sloMillis,
            long timeoutMillis,
            Version good,
            Version bad) {

        /** The benchmark's deployment (a chat LLM; SLO p95 4 s). */
        public static Spec benchmark(int initialReplicas) {
            return new Spec(
                    "chat-llm",
                    "llama-chat",
                    initialReplicas,
                    4,
                    1_000,
                    90_000,
                    0.1,
                    4_000,
                    30_000,
                    new Version("v7", 0.005, 1.0, 0.72, 0.08),
                    new Version("v8", 0.04, 1.4, 0.6, 0.1));
        }

        /** Requests/s one replica serves within the SLO with {@code replicas} replicas. */
        public double capacityPerReplicaAtSlo(int replicas) {
            double mu = 1000.0 / serviceMeanMillis;
            return QueueingLatency.rateAtSlo(replicas * slots, mu, 0.95, sloMillis) / replicas;
        }
    }

    /** What one simulated second produced. */
    public record Step(
            long time,
            double offeredRate,
            long arrivals,
            int readyReplicas,
            int provisionedReplicas,
            double p95Millis,
            boolean sloViolated,
            String liveVersion,
            Telemetry telemetry,
            Resources resources,
            List<ModelEvent> modelEvents,
            List<Signal> signals,
            List<Outcome> outcomes) {}

    static final long INTERVAL_MILLIS = 10_000;
    private static final int SAMPLES_PER_INTERVAL = 48;

    private final Spec spec;
    private final ArrivalTrace trace;
    private final TwinScenario scenario;
    private final long start;
    private final Random random;

    private long second;
    private final List<Long> readyAt = new ArrayList<>();
    private double backlog;
    private Version live;
    private Version previous;
    private double scoreShift;
    private boolean drifting;

    private String pendingScaleId;
    private int pendingScaleTarget;
    private String pendingRollbackId;
    private long pendingRollbackAt;
    private Version pendingRollbackTo;

    private final List<Outcome> queuedOutcomes = new ArrayList<>();
    private final List<ModelEvent> queuedEvents = new ArrayList<>();

    // The open telemetry interval.
    private final double[] winRate = new double[(int) (INTERVAL_MILLIS / 1000)];
    private final double[] winWeight = new double[winRate.length];
    private final int[] winServers = new int[winRate.length];
    private final double[] winMu = new double[winRate.length];
    private final double[] winDelay = new double[winRate.length];
    private long winRequests;
    private long winErrors;
    private final Version[] winVersion = new Version[winRate.length];

    // Counters.
    private int scaleCommands;
    private int rollbacks;
    private int retrains;
    private long deployedAt = Long.MIN_VALUE;
    private long rolledBackAt = Long.MIN_VALUE;

    public DeploymentTwin(
            Spec spec, ArrivalTrace trace, TwinScenario scenario, long startMillis, long seed) {
        if (spec.initialReplicas() < 1 || spec.slots() < 1 || !(spec.serviceMeanMillis() > 0)) {
            throw new IllegalArgumentException("need initialReplicas, slots >= 1, service > 0");
        }
        this.spec = spec;
        this.trace = trace;
        this.scenario = scenario;
        this.start = startMillis;
        this.random = new Random(seed);
        this.live = spec.good();
        for (int i = 0; i < spec.initialReplicas(); i++) {
            readyAt.add(startMillis);
        }
    }

    public long now() {
        return start + second * 1000;
    }

    public boolean finished() {
        return second >= scenario.durationSeconds();
    }

    /** Advances one second. */
    public Step step() {
        long t = now();
        List<ModelEvent> events = new ArrayList<>(queuedEvents);
        List<Signal> signals = new ArrayList<>();
        List<Outcome> outcomes = new ArrayList<>(queuedOutcomes);
        queuedEvents.clear();
        queuedOutcomes.clear();

        for (TwinScenario.Event e : scenario.events()) {
            if (e.atSecond() == second) {
                if (e instanceof TwinScenario.BadDeploy) {
                    previous = live;
                    live = spec.bad();
                    deployedAt = t;
                    events.add(
                            new ModelEvent(
                                    t,
                                    ModelEventKind.DEPLOYED,
                                    spec.model(),
                                    live.name(),
                                    previous.name()));
                } else if (e instanceof TwinScenario.Crash crash) {
                    int ready = ready(t);
                    int k = (int) Math.round(crash.fraction() * ready);
                    for (int i = 0, crashed = 0; i < readyAt.size() && crashed < k; i++) {
                        if (readyAt.get(i) <= t) {
                            readyAt.set(i, t + warmup());
                            crashed++;
                        }
                    }
                }
            }
            if (e instanceof TwinScenario.Drift drift) {
                drifting = second >= drift.atSecond() && second < drift.endSecond();
                if (drifting) {
                    long since = second - drift.atSecond();
                    scoreShift = Math.min(0.08, 0.08 * since / 300.0);
                    if (since % 60 == 0) {
                        for (String f : drift.features()) {
                            signals.add(
                                    new Signal(
                                            t,
                                            "sig-" + spec.deployment() + "-drift-" + f + "-" + t,
                                            SignalKind.DRIFT,
                                            f,
                                            live.name()));
                        }
                    }
                } else if (second >= drift.endSecond()) {
                    scoreShift = 0;
                }
            }
        }
        if (pendingRollbackId != null && t >= pendingRollbackAt) {
            Version from = live;
            live = pendingRollbackTo;
            rolledBackAt = t;
            events.add(
                    new ModelEvent(
                            t, ModelEventKind.ROLLED_BACK, spec.model(), live.name(), from.name()));
            outcomes.add(
                    new Outcome(
                            t,
                            pendingRollbackId,
                            OutcomeStatus.EFFECTIVE,
                            "version " + live.name() + " live",
                            Map.of()));
            pendingRollbackId = null;
        }

        int ready = ready(t);
        double offered = trace.rate(second) * scenario.loadFactor(second);
        long arrivals = poisson(offered);
        int servers = ready * spec.slots();
        double mu = 1000.0 / (spec.serviceMeanMillis() * live.latencyFactor());
        double capacity = servers * mu;
        long timeouts = 0;
        backlog = Math.max(0, backlog + arrivals - capacity);
        double maxBacklog = capacity * spec.timeoutMillis() / 1000.0;
        if (backlog > maxBacklog) {
            timeouts = Math.round(backlog - maxBacklog);
            backlog = maxBacklog;
        }
        double delay = capacity > 0 ? 1000 * backlog / capacity : spec.timeoutMillis();
        double p95;
        if (servers == 0) {
            p95 = spec.timeoutMillis();
            timeouts = arrivals;
        } else {
            p95 =
                    Math.min(
                            spec.timeoutMillis(),
                            QueueingLatency.sojournQuantileMillis(offered, servers, mu, 0.95)
                                    + delay);
        }
        long errors =
                Math.min(arrivals, binomial(arrivals - timeouts, live.errorRate()) + timeouts);

        if (pendingScaleId != null && ready == pendingScaleTarget && readyAt.size() == ready) {
            outcomes.add(
                    new Outcome(
                            t,
                            pendingScaleId,
                            OutcomeStatus.EFFECTIVE,
                            ready + " replicas ready",
                            Map.of("ready_replicas", (double) ready)));
            pendingScaleId = null;
        }

        int w = (int) (second % winRate.length);
        winRate[w] = offered;
        winWeight[w] = arrivals;
        winServers[w] = servers;
        winMu[w] = mu;
        winDelay[w] = servers == 0 ? spec.timeoutMillis() : delay;
        winVersion[w] = live;
        winRequests += arrivals;
        winErrors += errors;
        Telemetry telemetry = null;
        Resources resources = null;
        second++;
        if (w == winRate.length - 1) {
            long end = now();
            telemetry = closeWindow(end);
            resources =
                    new Resources(
                            end, ready, capacity > 0 ? Math.min(1.0, offered / capacity) : 1.0);
        }
        return new Step(
                t,
                offered,
                arrivals,
                ready,
                readyAt.size(),
                p95,
                p95 > spec.sloMillis(),
                live.name(),
                telemetry,
                resources,
                events,
                signals,
                outcomes);
    }

    /** Applies a command at the current time; returns its immediate outcome. */
    public Outcome apply(Command c) {
        long t = now();
        switch (c.kind()) {
            case SCALE -> {
                int target = c.scale().targetReplicas();
                if (target < 0 || target > 10_000) {
                    return new Outcome(
                            t,
                            c.commandId(),
                            OutcomeStatus.REJECTED,
                            "target " + target + " out of range",
                            Map.of());
                }
                scaleCommands++;
                while (readyAt.size() < target) {
                    readyAt.add(t + warmup());
                }
                // Scale down: the replicas still warming go first, newest first.
                readyAt.sort(null);
                while (readyAt.size() > target) {
                    readyAt.remove(readyAt.size() - 1);
                }
                pendingScaleId = c.commandId();
                pendingScaleTarget = target;
                return new Outcome(
                        t,
                        c.commandId(),
                        OutcomeStatus.APPLIED,
                        "desired replicas " + target,
                        Map.of("provisioned_replicas", (double) readyAt.size()));
            }
            case ROLLBACK -> {
                String to = c.rollback().toVersion();
                Version target =
                        to.equals(spec.good().name())
                                ? spec.good()
                                : to.equals(spec.bad().name()) ? spec.bad() : null;
                if (target == null || !c.rollback().fromVersion().equals(live.name())) {
                    return new Outcome(
                            t,
                            c.commandId(),
                            OutcomeStatus.REJECTED,
                            "cannot roll back "
                                    + c.rollback()
                                    + " while "
                                    + live.name()
                                    + " is live",
                            Map.of());
                }
                rollbacks++;
                pendingRollbackId = c.commandId();
                pendingRollbackAt = t + 5_000;
                pendingRollbackTo = target;
                return new Outcome(
                        t, c.commandId(), OutcomeStatus.APPLIED, "switching to " + to, Map.of());
            }
            default -> {
                retrains++;
                return new Outcome(
                        t, c.commandId(), OutcomeStatus.APPLIED, "retrain queued", Map.of());
            }
        }
    }

    private Telemetry closeWindow(long end) {
        int n = winRate.length;
        double total = 0;
        for (double wgt : winWeight) {
            total += wgt;
        }
        double p95 = total > 0 ? mixtureQuantile(0.95, total) : 0.0;
        double[] latencies = new double[total > 0 ? SAMPLES_PER_INTERVAL : 0];
        for (int i = 0; i < latencies.length; i++) {
            double u = random.nextDouble() * total;
            int k = 0;
            while (k < n - 1 && u >= winWeight[k]) {
                u -= winWeight[k];
                k++;
            }
            latencies[i] = sampleSojourn(k);
        }
        double[] scores = new double[total > 0 ? SAMPLES_PER_INTERVAL : 0];
        Version v = winVersion[n - 1];
        for (int i = 0; i < scores.length; i++) {
            double s = v.scoreMean() + scoreShift + v.scoreSd() * random.nextGaussian();
            scores[i] = Math.max(0, Math.min(1, s));
        }
        Telemetry t =
                new Telemetry(
                        end,
                        INTERVAL_MILLIS,
                        spec.model(),
                        v.name(),
                        winRequests,
                        Math.min(winErrors, winRequests),
                        p95,
                        latencies,
                        scores);
        winRequests = 0;
        winErrors = 0;
        return t;
    }

    private double mixtureQuantile(double q, double total) {
        double lo = 0;
        double hi = spec.timeoutMillis() / 1000.0;
        if (mixtureTail(hi, total) > 1 - q) {
            return spec.timeoutMillis();
        }
        while (hi - lo > 1e-4) {
            double mid = 0.5 * (lo + hi);
            if (mixtureTail(mid, total) > 1 - q) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return 1000 * 0.5 * (lo + hi);
    }

    private double mixtureTail(double t, double total) {
        double p = 0;
        for (int i = 0; i < winRate.length; i++) {
            if (winWeight[i] <= 0) {
                continue;
            }
            double shifted = t - winDelay[i] / 1000.0;
            double tail =
                    winServers[i] == 0 || shifted <= 0
                            ? 1.0
                            : QueueingLatency.sojournTail(
                                    winRate[i], winServers[i], winMu[i], shifted);
            p += winWeight[i] / total * tail;
        }
        return p;
    }

    /** One request's latency (ms) in second {@code k} of the window: service, wait, backlog. */
    private double sampleSojourn(int k) {
        if (winServers[k] == 0) {
            return spec.timeoutMillis();
        }
        double mu = winMu[k];
        int c = winServers[k];
        double lambda = Math.min(winRate[k], QueueingLatency.MAX_UTILISATION * c * mu);
        double service = -Math.log(1 - random.nextDouble()) / mu;
        double wait = 0;
        if (lambda > 0 && random.nextDouble() < QueueingLatency.erlangC(c, lambda / mu)) {
            wait = -Math.log(1 - random.nextDouble()) / (c * mu - lambda);
        }
        return Math.min(spec.timeoutMillis(), 1000 * (service + wait) + winDelay[k]);
    }

    private int ready(long t) {
        int n = 0;
        for (long r : readyAt) {
            if (r <= t) {
                n++;
            }
        }
        return n;
    }

    private long warmup() {
        double j = spec.warmupJitter() * (2 * random.nextDouble() - 1);
        return Math.round(spec.warmupMillis() * (1 + j));
    }

    private long poisson(double mean) {
        if (mean <= 0) {
            return 0;
        }
        if (mean > 50) {
            return Math.max(0, Math.round(mean + Math.sqrt(mean) * random.nextGaussian()));
        }
        double l = Math.exp(-mean);
        long k = 0;
        double p = 1;
        do {
            k++;
            p *= random.nextDouble();
        } while (p > l);
        return k - 1;
    }

    private long binomial(long n, double p) {
        if (n <= 0 || p <= 0) {
            return 0;
        }
        double mean = n * p;
        if (n > 200) {
            double sd = Math.sqrt(mean * (1 - p));
            return Math.max(0, Math.min(n, Math.round(mean + sd * random.nextGaussian())));
        }
        long k = 0;
        for (long i = 0; i < n; i++) {
            if (random.nextDouble() < p) {
                k++;
            }
        }
        return k;
    }

    public Spec spec() {
        return spec;
    }

    public TwinScenario scenario() {
        return scenario;
    }

    public int scaleCommands() {
        return scaleCommands;
    }

    public int rollbacks() {
        return rollbacks;
    }

    public int retrains() {
        return retrains;
    }

    /** Event time of the bad deploy, or {@link Long#MIN_VALUE}. */
    public long deployedAt() {
        return deployedAt;
    }

    /** Event time the last rollback switched the version, or {@link Long#MIN_VALUE}. */
    public long rolledBackAt() {
        return rolledBackAt;
    }
}
