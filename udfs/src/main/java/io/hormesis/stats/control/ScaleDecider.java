package io.hormesis.stats.control;

import io.hormesis.stats.StateBytes;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;

/**
 * The SCALE decision of one deployment: from a forecast of the request rate over the replica
 * warm-up time, the learned capacity per replica and the current replica count, a target replica
 * count or "hold", with the damping of the Kubernetes HPA and the panic mode of Knative's KPA.
 *
 * <p>Per tick, in event time:
 *
 * <ol>
 *   <li>The recommendation is {@code ceil(forecast (1 + headroom) / capacityPerReplica)}, clamped
 *       to [min, max] replicas; within the tolerance band ({@code |demand / capacity - 1| <=
 *       tolerance}, HPA default 10 %) it is the current count, so noise never flaps the count.
 *   <li>Scale-down is stabilised as HPA's {@code behavior.scaleDown.stabilizationWindowSeconds}
 *       (default 300 s): the target is the highest recommendation of the window, so a brief dip
 *       does not scale down. Scale-up is immediate (HPA's default scale-up window is 0 s).
 *   <li>Panic, as Knative's KPA: when the observed rate averaged over the panic window (default 6
 *       s) is at least the panic threshold (default 200 %) of the current capacity, the decider
 *       panics: it scales up on the panic-window rate and never scales down; it leaves panic once a
 *       stable window (default 60 s) has passed without the panic condition.
 *   <li>One command in flight: after a SCALE, every tick holds until {@link #onOutcome} or the
 *       command's expiry; an expired command is reported once in the next decision, for escalation.
 * </ol>
 *
 * <p>State is bounded: the stabilisation window is a monotonic queue of strictly decreasing integer
 * recommendations in [min, max], and the panic window has a fixed number of slots.
 */
public final class ScaleDecider {

    private static final byte FORMAT = 1;

    /** Slots of the panic-window average; the rate is averaged per slot, then over slots. */
    static final int PANIC_SLOTS = 6;

    private static final long NONE = Long.MIN_VALUE;

    /** What a tick decided. */
    public enum Action {
        SCALE,
        HOLD
    }

    /**
     * A tick's decision.
     *
     * @param targetReplicas the count to scale to, or the current count on HOLD
     * @param panic whether the decider is in panic mode
     * @param previousExpired whether the command in flight expired without an outcome at this tick
     * @param reason a human-readable reason with the figures behind it
     */
    public record Decision(
            Action action,
            int targetReplicas,
            boolean panic,
            boolean previousExpired,
            String reason) {}

    /**
     * Parameters of a decider.
     *
     * @param tolerance relative band around the current capacity inside which nothing changes
     * @param scaleDownWindowMillis stabilisation window of scale-down (HPA: 300 s)
     * @param stableWindowMillis time without the panic condition that ends panic (Knative: 60 s)
     * @param panicWindowMillis window of the observed rate that triggers panic (Knative: 6 s)
     * @param panicThreshold panic when the panic-window rate is this multiple of the current
     *     capacity (Knative: 2.0, "200 %")
     * @param commandTimeoutMillis how long a SCALE stays in flight without an outcome
     */
    public record Config(
            int minReplicas,
            int maxReplicas,
            double tolerance,
            long scaleDownWindowMillis,
            long stableWindowMillis,
            long panicWindowMillis,
            double panicThreshold,
            long commandTimeoutMillis) {

        public Config {
            if (minReplicas < 0) {
                throw new IllegalArgumentException("minReplicas must be >= 0, got " + minReplicas);
            }
            if (maxReplicas < Math.max(1, minReplicas)) {
                throw new IllegalArgumentException(
                        "maxReplicas must be >= max(1, minReplicas = "
                                + minReplicas
                                + "), got "
                                + maxReplicas);
            }
            if (!(tolerance >= 0.0 && tolerance < 1.0)) {
                throw new IllegalArgumentException("tolerance must be in [0, 1), got " + tolerance);
            }
            if (scaleDownWindowMillis < 0) {
                throw new IllegalArgumentException(
                        "scaleDownWindowMillis must be >= 0, got " + scaleDownWindowMillis);
            }
            if (stableWindowMillis < 1) {
                throw new IllegalArgumentException(
                        "stableWindowMillis must be >= 1, got " + stableWindowMillis);
            }
            if (panicWindowMillis < PANIC_SLOTS || panicWindowMillis % PANIC_SLOTS != 0) {
                throw new IllegalArgumentException(
                        "panicWindowMillis must be a positive multiple of "
                                + PANIC_SLOTS
                                + ", got "
                                + panicWindowMillis);
            }
            if (!(panicThreshold > 1.0) || Double.isInfinite(panicThreshold)) {
                throw new IllegalArgumentException(
                        "panicThreshold must be finite and > 1, got " + panicThreshold);
            }
            if (commandTimeoutMillis < 1) {
                throw new IllegalArgumentException(
                        "commandTimeoutMillis must be >= 1, got " + commandTimeoutMillis);
            }
        }

        /**
         * HPA defaults (10 % tolerance, 300 s scale-down stabilisation) and Knative KPA defaults
         * (60 s stable window, 6 s panic window, panic at 200 %).
         */
        public static Config defaults(int minReplicas, int maxReplicas, long commandTimeoutMillis) {
            return new Config(
                    minReplicas,
                    maxReplicas,
                    0.10,
                    300_000,
                    60_000,
                    6_000,
                    2.0,
                    commandTimeoutMillis);
        }
    }

    private final Config config;
    private final long slotMillis;

    private long lastTick = NONE;

    private boolean inFlight;
    private int inFlightTarget;
    private long inFlightExpiry;

    private long lastPanicTrigger = NONE;

    private final long[] slotStart = new long[PANIC_SLOTS];
    private final double[] slotSum = new double[PANIC_SLOTS];
    private final int[] slotCount = new int[PANIC_SLOTS];

    /** Stabilisation window: times and strictly decreasing recommendations, oldest first. */
    private long[] recTime;

    private int[] recValue;
    private int recHead;
    private int recSize;

    public ScaleDecider(Config config) {
        if (config == null) {
            throw new IllegalArgumentException("config must not be null");
        }
        this.config = config;
        this.slotMillis = config.panicWindowMillis() / PANIC_SLOTS;
        Arrays.fill(slotStart, NONE);
        int capacity = config.maxReplicas() - config.minReplicas() + 1;
        this.recTime = new long[capacity];
        this.recValue = new int[capacity];
    }

    /**
     * Decides at event time {@code timeMillis}.
     *
     * @param forecastRate upper forecast of the request rate (requests/s) over the lead time; NaN
     *     while the forecaster is not ready, in which case only panic can scale
     * @param observedRate the request rate (requests/s) observed since the previous tick
     * @param capacityPerReplica requests/s one replica serves within the latency SLO
     * @param currentReplicas replicas serving now
     * @param headroom extra capacity on top of the forecast, as a fraction (0.2 = 20 %)
     */
    public Decision decide(
            long timeMillis,
            double forecastRate,
            double observedRate,
            double capacityPerReplica,
            int currentReplicas,
            double headroom) {
        if (lastTick != NONE && timeMillis < lastTick) {
            throw new IllegalArgumentException(
                    "tick time must not go backwards: " + timeMillis + " < " + lastTick);
        }
        if (!(forecastRate >= 0.0) && !Double.isNaN(forecastRate)
                || Double.isInfinite(forecastRate)) {
            throw new IllegalArgumentException(
                    "forecastRate must be finite and >= 0 or NaN, got " + forecastRate);
        }
        if (!(observedRate >= 0.0) || Double.isInfinite(observedRate)) {
            throw new IllegalArgumentException(
                    "observedRate must be finite and >= 0, got " + observedRate);
        }
        if (!(capacityPerReplica > 0.0) || Double.isInfinite(capacityPerReplica)) {
            throw new IllegalArgumentException(
                    "capacityPerReplica must be finite and > 0, got " + capacityPerReplica);
        }
        if (currentReplicas < 0) {
            throw new IllegalArgumentException(
                    "currentReplicas must be >= 0, got " + currentReplicas);
        }
        if (!(headroom >= 0.0) || Double.isInfinite(headroom)) {
            throw new IllegalArgumentException("headroom must be finite and >= 0, got " + headroom);
        }
        lastTick = timeMillis;

        double panicRate = recordObserved(timeMillis, observedRate);
        double currentCapacity = currentReplicas * capacityPerReplica;
        if (panicRate > 0.0 && panicRate >= config.panicThreshold() * currentCapacity) {
            lastPanicTrigger = timeMillis;
        }
        boolean panic =
                lastPanicTrigger != NONE
                        && timeMillis - lastPanicTrigger < config.stableWindowMillis();

        int recommendation = recommend(forecastRate, capacityPerReplica, currentReplicas, headroom);
        String why = "forecast " + fmt(forecastRate) + " req/s needs " + recommendation;
        if (panic) {
            // Knative scales on the panic window while panicking; the panic need also enters the
            // stabilisation window, so the replicas it added are not dropped the moment it ends.
            int panicNeed =
                    clamp(
                            (int)
                                    Math.min(
                                            Math.ceil(
                                                    panicRate
                                                            * (1.0 + headroom)
                                                            / capacityPerReplica),
                                            Integer.MAX_VALUE));
            why =
                    "panic: "
                            + fmt(panicRate)
                            + " req/s over the last "
                            + config.panicWindowMillis() / 1000.0
                            + " s against capacity "
                            + fmt(currentCapacity)
                            + " needs "
                            + panicNeed
                            + "; "
                            + why;
            recommendation = Math.max(recommendation, panicNeed);
        }
        int windowMax = recordRecommendation(timeMillis, recommendation);

        int target;
        if (recommendation >= currentReplicas) {
            target = recommendation;
        } else {
            target = Math.min(currentReplicas, windowMax);
            why +=
                    ", highest of the last "
                            + config.scaleDownWindowMillis() / 1000
                            + " s is "
                            + windowMax;
        }
        if (panic) {
            target = Math.max(target, currentReplicas);
        }

        boolean expired = false;
        if (inFlight) {
            if (timeMillis < inFlightExpiry) {
                return new Decision(
                        Action.HOLD,
                        currentReplicas,
                        panic,
                        false,
                        "command to " + inFlightTarget + " replicas in flight; " + why);
            }
            inFlight = false;
            expired = true;
            why = "command to " + inFlightTarget + " replicas expired without outcome; " + why;
        }
        if (target == currentReplicas) {
            return new Decision(Action.HOLD, currentReplicas, panic, expired, "hold: " + why);
        }
        inFlight = true;
        inFlightTarget = target;
        inFlightExpiry = timeMillis + config.commandTimeoutMillis();
        return new Decision(
                Action.SCALE,
                target,
                panic,
                expired,
                "scale " + currentReplicas + " -> " + target + ": " + why);
    }

    /**
     * Forgets the recommendations of the scale-down window: the caller knows the load they were
     * made for is over (a surge ended), so they are no cushion against a brief dip.
     */
    public void releaseStabilisation() {
        recSize = 0;
        recHead = 0;
    }

    /** The outcome of the command in flight arrived (applied or failed): decisions resume. */
    public void onOutcome() {
        inFlight = false;
    }

    public boolean commandInFlight() {
        return inFlight;
    }

    public boolean panicking(long timeMillis) {
        return lastPanicTrigger != NONE
                && timeMillis - lastPanicTrigger < config.stableWindowMillis();
    }

    public Config config() {
        return config;
    }

    /** The HPA recommendation before stabilisation: tolerance band, then [min, max]. */
    private int recommend(
            double forecastRate, double capacityPerReplica, int currentReplicas, double headroom) {
        if (Double.isNaN(forecastRate)) {
            return clamp(currentReplicas);
        }
        double demand = forecastRate * (1.0 + headroom);
        if (currentReplicas > 0) {
            double ratio = demand / (currentReplicas * capacityPerReplica);
            if (Math.abs(ratio - 1.0) <= config.tolerance()) {
                return clamp(currentReplicas);
            }
        }
        return clamp((int) Math.min(Math.ceil(demand / capacityPerReplica), Integer.MAX_VALUE));
    }

    private int clamp(int replicas) {
        return Math.max(config.minReplicas(), Math.min(config.maxReplicas(), replicas));
    }

    /** Adds the observation to its slot and returns the average over the panic window. */
    private double recordObserved(long timeMillis, double rate) {
        long start = Math.floorDiv(timeMillis, slotMillis) * slotMillis;
        int slot = (int) Math.floorMod(Math.floorDiv(timeMillis, slotMillis), PANIC_SLOTS);
        if (slotStart[slot] != start) {
            slotStart[slot] = start;
            slotSum[slot] = 0.0;
            slotCount[slot] = 0;
        }
        slotSum[slot] += rate;
        slotCount[slot]++;
        double sum = 0.0;
        int slots = 0;
        for (int i = 0; i < PANIC_SLOTS; i++) {
            if (slotStart[i] != NONE && slotStart[i] > timeMillis - config.panicWindowMillis()) {
                sum += slotSum[i] / slotCount[i];
                slots++;
            }
        }
        return sum / slots;
    }

    /** Sliding-window maximum: pushes the recommendation and returns the window's highest. */
    private int recordRecommendation(long timeMillis, int recommendation) {
        int n = recTime.length;
        while (recSize > 0 && recValue[(recHead + recSize - 1) % n] <= recommendation) {
            recSize--;
        }
        recTime[(recHead + recSize) % n] = timeMillis;
        recValue[(recHead + recSize) % n] = recommendation;
        recSize++;
        while (recTime[recHead] <= timeMillis - config.scaleDownWindowMillis() && recSize > 1) {
            recHead = (recHead + 1) % n;
            recSize--;
        }
        return recValue[recHead];
    }

    private static String fmt(double x) {
        return Double.isNaN(x) ? "n/a" : String.format(Locale.ROOT, "%.1f", x);
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeInt(config.minReplicas());
        out.writeInt(config.maxReplicas());
        out.writeDouble(config.tolerance());
        out.writeLong(config.scaleDownWindowMillis());
        out.writeLong(config.stableWindowMillis());
        out.writeLong(config.panicWindowMillis());
        out.writeDouble(config.panicThreshold());
        out.writeLong(config.commandTimeoutMillis());
        out.writeLong(lastTick);
        out.writeBoolean(inFlight);
        out.writeInt(inFlightTarget);
        out.writeLong(inFlightExpiry);
        out.writeLong(lastPanicTrigger);
        for (int i = 0; i < PANIC_SLOTS; i++) {
            out.writeLong(slotStart[i]);
            out.writeDouble(slotSum[i]);
            out.writeInt(slotCount[i]);
        }
        out.writeInt(recSize);
        for (int i = 0; i < recSize; i++) {
            int j = (recHead + i) % recTime.length;
            out.writeLong(recTime[j]);
            out.writeInt(recValue[j]);
        }
    }

    public static ScaleDecider readFrom(DataInput in) throws IOException {
        StateBytes.checkVersion(in, FORMAT, "ScaleDecider");
        Config config =
                new Config(
                        in.readInt(),
                        in.readInt(),
                        in.readDouble(),
                        in.readLong(),
                        in.readLong(),
                        in.readLong(),
                        in.readDouble(),
                        in.readLong());
        ScaleDecider decider = new ScaleDecider(config);
        decider.lastTick = in.readLong();
        decider.inFlight = in.readBoolean();
        decider.inFlightTarget = in.readInt();
        decider.inFlightExpiry = in.readLong();
        decider.lastPanicTrigger = in.readLong();
        for (int i = 0; i < PANIC_SLOTS; i++) {
            decider.slotStart[i] = in.readLong();
            decider.slotSum[i] = in.readDouble();
            decider.slotCount[i] = in.readInt();
        }
        int size = in.readInt();
        if (size < 0 || size > decider.recTime.length) {
            throw new IllegalArgumentException(
                    "corrupt ScaleDecider state: " + size + " recommendations");
        }
        for (int i = 0; i < size; i++) {
            decider.recTime[i] = in.readLong();
            decider.recValue[i] = in.readInt();
        }
        decider.recSize = size;
        return decider;
    }

    public byte[] toBytes() {
        return StateBytes.write(this::writeTo, 256);
    }

    public static ScaleDecider fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, ScaleDecider::readFrom);
    }

    /** Upper bound on {@link #toBytes()} length for a replica range of {@code min..max}. */
    public static int maxSerializedBytes(int minReplicas, int maxReplicas) {
        int header = 1 + 4 + 4 + 8 * 6;
        int state = 8 + 1 + 4 + 8 + 8 + PANIC_SLOTS * (8 + 8 + 4) + 4;
        return header + state + (maxReplicas - minReplicas + 1) * (8 + 4);
    }
}
