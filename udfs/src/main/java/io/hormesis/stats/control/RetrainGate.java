package io.hormesis.stats.control;

import io.hormesis.stats.StateBytes;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The RETRAIN gate of one model: asks for a retrain only on sustained drift, {@code
 * consecutiveChecks} drifted checks in a row of a feature (or of the prediction score, as one more
 * named signal) on a stable version, and at most once per {@code periodMillis}.
 *
 * <p>Drift right after a deploy is the deploy's doing, not the world's: an unstable version resets
 * every streak. A retrain resets them too, as the new model will be judged afresh.
 */
public final class RetrainGate {

    private static final byte FORMAT = 1;
    private static final long NONE = Long.MIN_VALUE;

    /**
     * A check's decision.
     *
     * @param retrain whether to emit a RETRAIN now
     * @param driftedFeatures features with a sustained streak, sorted by name
     * @param driftSinceMillis the earliest start of those streaks (the current window's start), or
     *     {@link Long#MIN_VALUE} when none
     */
    public record Decision(
            boolean retrain, List<String> driftedFeatures, long driftSinceMillis, String reason) {}

    private final int consecutiveChecks;
    private final long periodMillis;
    private final int maxFeatures;

    /** Open streaks: feature -> {length, start time}. */
    private final TreeMap<String, long[]> streaks = new TreeMap<>();

    private long lastRetrain = NONE;

    /**
     * @param consecutiveChecks drifted checks in a row that make drift sustained, >= 1
     * @param periodMillis least time between two RETRAINs of the model, >= 0
     * @param maxFeatures most features tracked at once, a bound on state
     */
    public RetrainGate(int consecutiveChecks, long periodMillis, int maxFeatures) {
        if (consecutiveChecks < 1) {
            throw new IllegalArgumentException(
                    "consecutiveChecks must be >= 1, got " + consecutiveChecks);
        }
        if (periodMillis < 0) {
            throw new IllegalArgumentException("periodMillis must be >= 0, got " + periodMillis);
        }
        if (maxFeatures < 1) {
            throw new IllegalArgumentException("maxFeatures must be >= 1, got " + maxFeatures);
        }
        this.consecutiveChecks = consecutiveChecks;
        this.periodMillis = periodMillis;
        this.maxFeatures = maxFeatures;
    }

    /**
     * One drift check at event time {@code timeMillis}: for each feature checked, whether it
     * drifted; features not in the map keep their streaks. {@code versionStable} is false while the
     * version serving is too recent to blame drift on the world.
     */
    public Decision check(long timeMillis, Map<String, Boolean> drifted, boolean versionStable) {
        if (drifted == null) {
            throw new IllegalArgumentException("drifted must not be null");
        }
        if (!versionStable) {
            streaks.clear();
            return new Decision(
                    false, List.of(), NONE, "version not stable yet: drift streaks reset");
        }
        for (Map.Entry<String, Boolean> e : drifted.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("feature names and flags must not be null");
            }
            if (e.getValue()) {
                long[] streak = streaks.get(e.getKey());
                if (streak == null) {
                    if (streaks.size() >= maxFeatures) {
                        throw new IllegalArgumentException(
                                "more than maxFeatures = " + maxFeatures + " drifting features");
                    }
                    streaks.put(e.getKey(), new long[] {1, timeMillis});
                } else {
                    streak[0]++;
                }
            } else {
                streaks.remove(e.getKey());
            }
        }
        List<String> sustained = new ArrayList<>();
        long since = NONE;
        for (Map.Entry<String, long[]> e : streaks.entrySet()) {
            if (e.getValue()[0] >= consecutiveChecks) {
                sustained.add(e.getKey());
                since = since == NONE ? e.getValue()[1] : Math.min(since, e.getValue()[1]);
            }
        }
        if (sustained.isEmpty()) {
            return new Decision(
                    false,
                    List.of(),
                    NONE,
                    "no sustained drift ("
                            + streaks.size()
                            + " features drifting for fewer than "
                            + consecutiveChecks
                            + " checks)");
        }
        List<String> features = Collections.unmodifiableList(sustained);
        if (lastRetrain != NONE && timeMillis - lastRetrain < periodMillis) {
            return new Decision(
                    false,
                    features,
                    since,
                    "sustained drift of "
                            + features
                            + " but rate-limited: last RETRAIN "
                            + (timeMillis - lastRetrain)
                            + " ms ago, period "
                            + periodMillis
                            + " ms");
        }
        lastRetrain = timeMillis;
        streaks.clear();
        return new Decision(
                true,
                features,
                since,
                "sustained drift of "
                        + features
                        + " for "
                        + consecutiveChecks
                        + "+ consecutive checks since "
                        + since);
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeInt(consecutiveChecks);
        out.writeLong(periodMillis);
        out.writeInt(maxFeatures);
        out.writeLong(lastRetrain);
        out.writeInt(streaks.size());
        for (Map.Entry<String, long[]> e : streaks.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeLong(e.getValue()[0]);
            out.writeLong(e.getValue()[1]);
        }
    }

    public static RetrainGate readFrom(DataInput in) throws IOException {
        StateBytes.checkVersion(in, FORMAT, "RetrainGate");
        RetrainGate gate = new RetrainGate(in.readInt(), in.readLong(), in.readInt());
        gate.lastRetrain = in.readLong();
        int n = in.readInt();
        if (n < 0 || n > gate.maxFeatures) {
            throw new IllegalArgumentException("corrupt RetrainGate state: " + n + " streaks");
        }
        for (int i = 0; i < n; i++) {
            gate.streaks.put(in.readUTF(), new long[] {in.readLong(), in.readLong()});
        }
        return gate;
    }

    public byte[] toBytes() {
        return StateBytes.write(this::writeTo, 64 + 32 * streaks.size());
    }

    public static RetrainGate fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, RetrainGate::readFrom);
    }

    /**
     * Upper bound on {@link #toBytes()} length with {@code maxFeatures} features whose names are at
     * most {@code maxNameBytes} bytes in modified UTF-8.
     */
    public static int maxSerializedBytes(int maxFeatures, int maxNameBytes) {
        return 1 + 4 + 8 + 4 + 8 + 4 + maxFeatures * (2 + maxNameBytes + 16);
    }
}
