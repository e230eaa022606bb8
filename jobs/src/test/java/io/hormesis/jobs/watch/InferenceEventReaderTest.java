package io.hormesis.jobs.watch;

import io.hormesis.jobs.testutils.Records;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.DecodeException;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fast path against the general one (AvroCodec + InferenceEventValidator), record by record.
 */
class InferenceEventReaderTest {
    private static final Duration SKEW = Duration.ofMinutes(5);
    private static final AvroCodec<InferenceEvent> CODEC = AvroCodec.of(InferenceEvent.class);
    private static final InferenceEventValidator VALIDATOR = new InferenceEventValidator(SKEW);

    private final InferenceEventReader reader = new InferenceEventReader(SKEW.toMillis());

    private static String ascii(Random random, int max) {
        StringBuilder b = new StringBuilder();
        int n = 1 + random.nextInt(max);
        for (int i = 0; i < n; i++) {
            b.append((char) (0x21 + random.nextInt(0x5E)));
        }
        return b.toString();
    }

    private static InferenceEvent randomEvent(Random random) {
        Map<String, Double> features = new HashMap<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            features.put(ascii(random, 8), random.nextGaussian() * 1e3);
        }
        InferenceStatus[] statuses = InferenceStatus.values();
        return InferenceEvent.newBuilder()
                .setRequestId(ascii(random, 40))
                .setDeployment(ascii(random, 20))
                .setModelName(ascii(random, 20))
                .setModelVersion(ascii(random, 5))
                .setReplica(ascii(random, 10))
                .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + random.nextInt(1 << 30)))
                .setLatencyMs(random.nextDouble() * 5_000)
                .setTtftMs(random.nextBoolean() ? null : random.nextDouble() * 500)
                .setTokensIn(random.nextInt(5_000))
                .setTokensOut(random.nextInt(5_000))
                .setStatus(statuses[random.nextInt(statuses.length)])
                .setPredictionScore(random.nextBoolean() ? null : random.nextDouble())
                .setFeatures(features)
                .build();
    }

    /** When the fast path accepts, the general path must accept with the same values. */
    private void agrees(byte[] bytes) {
        if (!reader.read(bytes)) {
            return;
        }
        InferenceEvent e;
        try {
            e = CODEC.decode(bytes);
        } catch (DecodeException ex) {
            throw new AssertionError("fast path accepted what the codec rejects: " + ex, ex);
        }
        assertThat(VALIDATOR.problem(e)).isNull();
        assertThat(reader.deployment()).isEqualTo(e.getDeployment());
        assertThat(reader.modelName()).isEqualTo(e.getModelName());
        assertThat(reader.modelVersion()).isEqualTo(e.getModelVersion());
        assertThat(reader.requestId()).isEqualTo(e.getRequestId());
        assertThat(KeySlice.probe().point(reader.bytes(), reader.keyStart(), reader.keyEnd()))
                .isEqualTo(KeySlice.of(e.getDeployment(), e.getModelName(), e.getModelVersion()));
        assertThat(reader.eventTimeMillis).isEqualTo(e.getEventTime().toEpochMilli());
        assertThat(reader.ok).isEqualTo(e.getStatus() == InferenceStatus.OK);
        assertThat(reader.latencyMs).isEqualTo(e.getLatencyMs());
        assertThat(Double.valueOf(reader.ttftMs))
                .isEqualTo(Double.valueOf(e.getTtftMs() == null ? Double.NaN : e.getTtftMs()));
    }

    @Test
    void acceptsValidCurrentSchemaRecordsWithTheCodecsValues() {
        Random random = new Random(1);
        for (int i = 0; i < 5_000; i++) {
            byte[] bytes = CODEC.encode(randomEvent(random));
            assertThat(reader.read(bytes)).isTrue();
            agrees(bytes);
        }
    }

    @Test
    void neverAcceptsWhatTheGeneralPathRejectsOrReadsDifferently() {
        Random random = new Random(2);
        int declined = 0;
        for (int i = 0; i < 5_000; i++) {
            byte[] bytes = CODEC.encode(randomEvent(random));
            byte[] truncated = Arrays.copyOf(bytes, random.nextInt(bytes.length));
            byte[] flipped = bytes.clone();
            flipped[10 + random.nextInt(bytes.length - 10)] ^= (byte) (1 << random.nextInt(8));
            byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
            for (byte[] b : List.of(truncated, flipped, longer)) {
                agrees(b);
                if (!reader.read(b)) {
                    declined++;
                }
            }
        }
        // Truncated and longer records are all declined; most flips too.
        assertThat(declined).isGreaterThan(10_000);
    }

    @Test
    void acceptsAnIdExactlyWhenTheValidatorDoesForEveryAsciiCharacter() {
        // Every character alone, beside a letter and between spaces, in each id field: the fast
        // path's byte checks must mean what the validator's isBlank and isISOControl mean.
        int accepted = 0;
        for (char c = 0; c < 0x100; c++) {
            for (String id : List.of(String.valueOf(c), "a" + c, " " + c + " ")) {
                for (int field = 0; field < 3; field++) {
                    var b = Records.event(field == 0 ? id : "r", 100);
                    if (field == 1) {
                        b.setDeployment(id);
                    } else if (field == 2) {
                        b.setReplica(id);
                    }
                    InferenceEvent e = b.build();
                    boolean valid = VALIDATOR.problem(e) == null;
                    boolean fast = reader.read(CODEC.encode(e));
                    assertThat(fast)
                            .as("id %s (char %d) in field %d", id, (int) c, field)
                            .isEqualTo(valid && c < 0x80);
                    accepted += fast ? 1 : 0;
                }
            }
        }
        // Printable ASCII (94 characters) alone and in both other shapes, in three fields, plus a
        // space beside a letter.
        assertThat(accepted).isEqualTo(3 * (3 * 94 + 1));
    }

    @Test
    void declinesInvalidValuesAndNonAsciiIdsToTheGeneralPath() {
        List<InferenceEvent> bad =
                List.of(
                        Records.event("a", -1).build(),
                        Records.event("a", Double.NaN).build(),
                        Records.event("a", 100).setTtftMs(Double.POSITIVE_INFINITY).build(),
                        Records.event(" \t", 100).build(),
                        Records.event("a", 100).setDeployment("").build(),
                        Records.event("a", 100).setReplica("x".repeat(257)).build(),
                        Records.event("a", 100).setTokensIn(-1).build(),
                        Records.event("a", 100).setPredictionScore(Double.NaN).build(),
                        Records.event("a", 100).setFeatures(Map.of("f", Double.NaN)).build(),
                        Records.event("a", 100)
                                .setEventTime(Instant.now().plus(Duration.ofHours(1)))
                                .build(),
                        Records.event("a", 100).setEventTime(Instant.EPOCH).build(),
                        Records.event("a", 100).setModelName("modèle").build());
        for (InferenceEvent e : bad) {
            assertThat(reader.read(CODEC.encode(e))).as(e.toString()).isFalse();
        }
        byte[] good = CODEC.encode(Records.event("a", 100).build());
        assertThat(reader.read(good)).isTrue();
        byte[] otherSchema = good.clone();
        otherSchema[5] ^= 1;
        assertThat(reader.read(otherSchema)).isFalse();
        assertThat(reader.read(new byte[0])).isFalse();
        assertThat(reader.read(null)).isFalse();
    }
}
