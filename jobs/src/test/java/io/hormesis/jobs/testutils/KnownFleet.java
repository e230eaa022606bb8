package io.hormesis.jobs.testutils;

import io.hormesis.jobs.sim.FleetSimulator.SimRecord;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A known, finite, deterministic stream for the fault tests: {@code deployments} LLM deployments at
 * a steady request rate, the first {@code regressing} of which slow down 3.5x, each at its own
 * time, plus malformed records spread evenly. Which signals and commands it must give is computed
 * by {@link OfflineWatch}, not written down.
 */
public final class KnownFleet {
    /** Reasons the malformed kinds must get in dead-letters. */
    public static final Map<String, String> MALFORMED_REASONS =
            Map.of("truncated", "TRUNCATED", "random-bytes", "BAD_HEADER", "empty", "EMPTY");

    private final Instant start;
    private final Duration duration;
    private final int deployments;
    private final int regressing;
    private final double requestsPerSecond;
    private final int malformed;
    private final long seed;

    public KnownFleet(
            Instant start,
            Duration duration,
            int deployments,
            int regressing,
            double requestsPerSecond,
            int malformed,
            long seed) {
        if (regressing > deployments || deployments < 1 || !(requestsPerSecond > 0)) {
            throw new IllegalArgumentException("need 0 <= regressing <= deployments, rate > 0");
        }
        this.start = start;
        this.duration = duration;
        this.deployments = deployments;
        this.regressing = regressing;
        this.requestsPerSecond = requestsPerSecond;
        this.malformed = malformed;
        this.seed = seed;
    }

    public static String deployment(int i) {
        return "fleet-" + i;
    }

    /** When deployment {@code i} (< regressing) slows down: spread over the middle half. */
    public Instant regressionAt(int i) {
        long span = duration.toMillis() / 2;
        return start.plusMillis(duration.toMillis() / 4 + span * (i + 1) / (regressing + 1));
    }

    /** Every record in event-time order, malformed ones included. */
    public List<SimRecord> records() {
        Random random = new Random(seed);
        AvroCodec<InferenceEvent> codec = AvroCodec.of(InferenceEvent.class);
        long step = Math.round(1_000_000 / requestsPerSecond);
        long total = duration.toNanos() / 1_000;
        List<SimRecord> out = new ArrayList<>();
        int sequence = 0;
        for (long t = 0; t < total; t += step) {
            Instant time = start.plusNanos(t * 1_000);
            for (int d = 0; d < deployments; d++) {
                boolean slow = d < regressing && !time.isBefore(regressionAt(d));
                int tokensIn = 200 + random.nextInt(600);
                int tokensOut = 50 + random.nextInt(101);
                double ttft = (40 + 10 * d) * Math.exp(0.1 * random.nextGaussian());
                double perToken = 4.0 * (slow ? 3.5 : 1.0) * Math.exp(0.08 * random.nextGaussian());
                InferenceEvent e =
                        InferenceEvent.newBuilder()
                                .setRequestId(String.format("%s-%07d", deployment(d), sequence++))
                                .setDeployment(deployment(d))
                                .setModelName("model-" + d)
                                .setModelVersion("v1")
                                .setReplica("replica-" + (sequence % 2))
                                .setEventTime(time)
                                .setLatencyMs(Math.round((ttft + tokensOut * perToken) * 10) / 10.0)
                                .setTtftMs(Math.round(ttft * 10) / 10.0)
                                .setTokensIn(tokensIn)
                                .setTokensOut(tokensOut)
                                .setStatus(
                                        random.nextDouble() < 0.01
                                                ? InferenceStatus.ERROR
                                                : InferenceStatus.OK)
                                .setPredictionScore(null)
                                .setFeatures(Map.of("tokens_in", (double) tokensIn))
                                .build();
                out.add(new SimRecord(time, deployment(d), codec.encode(e), "event"));
            }
        }
        List<String> kinds = List.of("truncated", "random-bytes", "empty");
        int n = out.size();
        for (int i = 0; i < malformed; i++) {
            int at = (int) ((long) n * (i + 1) / (malformed + 1)) + i;
            SimRecord neighbour = out.get(at);
            String kind = kinds.get(i % kinds.size());
            byte[] value;
            if (kind.equals("truncated")) {
                value = Arrays.copyOf(neighbour.value(), 25);
            } else if (kind.equals("random-bytes")) {
                value = new byte[40];
                random.nextBytes(value);
                value[0] = 0x7B;
            } else {
                value = new byte[0];
            }
            out.add(at, new SimRecord(neighbour.eventTime(), neighbour.key(), value, kind));
        }
        return out;
    }
}
