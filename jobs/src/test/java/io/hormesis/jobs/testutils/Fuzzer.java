package io.hormesis.jobs.testutils;

import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.InferenceEvent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Fuzzed inference-event records, each with the dead-letter reason codes it may get: truncated and
 * random bytes, wrong fingerprints, corrupt bodies, and valid Avro with absurd values (negative
 * latency, NaN, far-future and pre-epoch times, huge strings, control characters, too many
 * features, unknown deployments).
 */
public final class Fuzzer {
    /** One fuzzed record: its kind, its bytes, and the reason codes it may be rejected with. */
    public record Fuzzed(String kind, String key, byte[] value, Set<String> reasons) {}

    private static final byte[] MARKER = {(byte) 0xC3, 0x01};

    private final Random random;
    private final AvroCodec<InferenceEvent> codec = AvroCodec.of(InferenceEvent.class);
    private final InferenceEvent template;
    private final String unknownDeployment;

    /**
     * @param template a valid event the Avro fuzz starts from (its deployment is a known one)
     * @param unknownDeployment a deployment not in watch.known-deployments
     */
    public Fuzzer(long seed, InferenceEvent template, String unknownDeployment) {
        this.random = new Random(seed);
        this.template = template;
        this.unknownDeployment = unknownDeployment;
    }

    public List<Fuzzed> records(int count) {
        List<Fuzzed> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(next(i));
        }
        return out;
    }

    private Fuzzed next(int i) {
        int pick = random.nextInt(1000);
        byte[] valid = codec.encode(absurd(i, -1));
        if (pick < 200) {
            int cut = 10 + random.nextInt(valid.length - 10);
            return of("truncated", Arrays.copyOf(valid, cut), "TRUNCATED");
        }
        if (pick < 350) {
            byte[] bytes = new byte[1 + random.nextInt(300)];
            random.nextBytes(bytes);
            if (bytes[0] == MARKER[0]) {
                bytes[0] = 0x00;
            }
            return of("random-bytes", bytes, "BAD_HEADER");
        }
        if (pick < 400) {
            byte[] bytes = new byte[2 + random.nextInt(8)];
            random.nextBytes(bytes);
            bytes[0] = MARKER[0];
            bytes[1] = MARKER[1];
            return of("short-header", bytes, "TRUNCATED");
        }
        if (pick < 550) {
            byte[] bytes = valid.clone();
            for (int b = 2; b < 10; b++) {
                bytes[b] = (byte) random.nextInt(256);
            }
            return of("wrong-fingerprint", bytes, "UNKNOWN_SCHEMA");
        }
        if (pick < 650) {
            byte[] body = new byte[random.nextInt(200)];
            random.nextBytes(body);
            byte[] bytes = Arrays.copyOf(valid, 10 + body.length);
            System.arraycopy(body, 0, bytes, 10, body.length);
            return of("corrupt-body", bytes, "CORRUPT", "TRUNCATED", "INVALID");
        }
        if (pick < 670) {
            return of("empty", new byte[0], "EMPTY");
        }
        if (pick < 750) {
            InferenceEvent e =
                    InferenceEvent.newBuilder(template)
                            .setRequestId("fuzz-" + i)
                            .setDeployment(unknownDeployment + "-" + random.nextInt(50))
                            .build();
            return of("unknown-deployment", codec.encode(e), "UNKNOWN_DEPLOYMENT");
        }
        if (pick < 751) {
            return of("huge-string", codec.encode(absurd(i, 10)), "INVALID");
        }
        return of("absurd-values", codec.encode(absurd(i, random.nextInt(10))), "INVALID");
    }

    /** A decodable event with impossible value {@code which} (-1: a valid one). */
    private InferenceEvent absurd(int i, int which) {
        InferenceEvent.Builder b = InferenceEvent.newBuilder(template).setRequestId("fuzz-" + i);
        switch (which) {
            case 0 -> b.setLatencyMs(-1 - random.nextInt(1000));
            case 1 -> b.setLatencyMs(Double.NaN);
            case 2 -> b.setTtftMs(Double.POSITIVE_INFINITY);
            case 3 ->
                    b.setEventTime(Instant.now().plusSeconds(86_400L * (1 + random.nextInt(3650))));
            case 4 -> b.setEventTime(Instant.EPOCH.minusSeconds(random.nextInt(1_000_000)));
            case 5 -> b.setTokensOut(-1 - random.nextInt(100));
            case 6 -> b.setFeatures(Map.of("tokens_in", Double.NaN));
            case 7 -> b.setRequestId("   ");
            case 8 -> b.setReplica("replica-\u0000\u0007");
            case 9 -> {
                Map<String, Double> many = new HashMap<>();
                for (int f = 0; f < 2_000; f++) {
                    many.put("f" + f, (double) f);
                }
                b.setFeatures(many);
            }
            case 10 -> b.setModelName("m".repeat(50_000 + random.nextInt(150_000)));
            default -> {}
        }
        return b.build();
    }

    private Fuzzed of(String kind, byte[] value, String... reasons) {
        String key = random.nextBoolean() ? template.getDeployment() : "fuzz-" + random.nextInt(10);
        return new Fuzzed(kind, key, value, Set.of(reasons));
    }
}
