package io.hormesis.schema;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AvroCodecTest {

    private static final AvroCodec<InferenceEvent> EVENTS = AvroCodec.of(InferenceEvent.class);

    static InferenceEvent event() {
        return InferenceEvent.newBuilder()
                .setRequestId("req-1")
                .setDeployment("chat-llm")
                .setModelName("llama-chat")
                .setModelVersion("v7")
                .setReplica("replica-0")
                .setEventTime(Instant.parse("2026-11-22T14:00:00.123Z"))
                .setLatencyMs(812.5)
                .setTtftMs(95.0)
                .setTokensIn(512)
                .setTokensOut(128)
                .setStatus(InferenceStatus.OK)
                .setPredictionScore(0.87)
                .setFeatures(Map.of("prompt_len", 512.0, "temperature", 0.7))
                .build();
    }

    @Test
    void roundTripsAnEvent() throws Exception {
        InferenceEvent original = event();
        assertThat(EVENTS.decode(EVENTS.encode(original))).isEqualTo(original);
    }

    @Test
    void roundTripsACommandWithNestedUnions() throws Exception {
        Command command =
                Command.newBuilder()
                        .setCommandId("cmd-1")
                        .setKind(CommandKind.SCALE)
                        .setDeployment("chat-llm")
                        .setModelName("llama-chat")
                        .setIssuedAt(Instant.ofEpochMilli(1_000))
                        .setExpiresAt(Instant.ofEpochMilli(61_000))
                        .setReason("latency 3x baseline")
                        .setSignalIds(List.of("sig-1", "sig-2"))
                        .setScale(new ScaleAction(2, 5, 40.0, 9.5))
                        .build();
        AvroCodec<Command> codec = AvroCodec.of(Command.class);
        Command decoded = codec.decode(codec.encode(command));
        assertThat(decoded).isEqualTo(command);
        assertThat(decoded.getScale().getTargetReplicas()).isEqualTo(5);
        assertThat(decoded.getRollback()).isNull();
    }

    @Test
    void writesTheSingleObjectHeaderOfTheSpec() {
        byte[] bytes = EVENTS.encode(event());
        // Avro spec, "Single-object encoding": 0xC3 0x01, then the 8-byte little-endian
        // CRC-64-AVRO fingerprint of the writer schema's parsing canonical form.
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fingerprint)
                .isEqualTo(
                        SchemaNormalization.parsingFingerprint64(InferenceEvent.getClassSchema()));
    }

    @Test
    void readsARecordWrittenWithTheOlderSchemaVersion() throws Exception {
        List<Schema> history =
                AvroCodec.historicSchemas(InferenceEvent.getClassSchema().getFullName());
        assertThat(history).hasSize(1);
        Schema v1 = history.get(0);
        assertThat(v1.getField("features")).isNull();

        Schema statusV1 = v1.getField("status").schema();
        GenericRecord old =
                new GenericRecordBuilder(v1)
                        .set("requestId", "req-old")
                        .set("deployment", "chat-llm")
                        .set("modelName", "llama-chat")
                        .set("modelVersion", "v6")
                        .set("replica", "replica-1")
                        .set("eventTime", 1_700_000_000_000L)
                        .set("latencyMs", 250.0)
                        .set("ttftMs", null)
                        .set("tokensIn", 10)
                        .set("tokensOut", 20)
                        .set("status", new GenericData.EnumSymbol(statusV1, "TIMEOUT"))
                        .build();
        ByteBuffer written =
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);
        byte[] bytes = new byte[written.remaining()];
        written.get(bytes);

        InferenceEvent read = EVENTS.decode(bytes);
        assertThat(read.getRequestId()).isEqualTo("req-old");
        assertThat(read.getEventTime()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
        assertThat(read.getStatus()).isEqualTo(InferenceStatus.TIMEOUT);
        assertThat(read.getPredictionScore()).isNull();
        assertThat(read.getFeatures()).isEmpty();
    }

    @Test
    void everyHistoricVersionIsReadableByTheCurrentSchema() {
        Schema current = InferenceEvent.getClassSchema();
        for (Schema old : AvroCodec.historicSchemas(current.getFullName())) {
            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, old).getType())
                    .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        }
    }

    @Test
    void rejectsTruncatedRecordsAsTruncated() {
        byte[] bytes = EVENTS.encode(event());
        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 20);
        assertThatThrownBy(() -> EVENTS.decode(truncated))
                .isInstanceOfSatisfying(
                        DecodeException.class,
                        e -> assertThat(e.reason()).isEqualTo(DecodeException.Reason.TRUNCATED));
    }

    @Test
    void rejectsAnUnknownFingerprint() {
        byte[] bytes = EVENTS.encode(event());
        bytes[5] ^= 0x5A;
        assertThatThrownBy(() -> EVENTS.decode(bytes))
                .isInstanceOfSatisfying(
                        DecodeException.class,
                        e ->
                                assertThat(e.reason())
                                        .isEqualTo(DecodeException.Reason.UNKNOWN_SCHEMA));
    }

    @Test
    void rejectsAnotherRecordTypesBytes() {
        AvroCodec<GroundTruth> truths = AvroCodec.of(GroundTruth.class);
        byte[] bytes = truths.encode(new GroundTruth("req-1", "positive", Instant.ofEpochMilli(5)));
        assertThatThrownBy(() -> EVENTS.decode(bytes))
                .isInstanceOfSatisfying(
                        DecodeException.class,
                        e ->
                                assertThat(e.reason())
                                        .isEqualTo(DecodeException.Reason.UNKNOWN_SCHEMA));
    }

    @Test
    void rejectsRandomBytesWithADecodeExceptionOnly() {
        Random random = new Random(42);
        int badHeader = 0;
        for (int i = 0; i < 2_000; i++) {
            byte[] bytes = new byte[1 + random.nextInt(64)];
            random.nextBytes(bytes);
            try {
                EVENTS.decode(bytes);
            } catch (DecodeException e) {
                if (e.reason() == DecodeException.Reason.BAD_HEADER) {
                    badHeader++;
                }
            }
        }
        // Random bytes almost never start with C3 01 (1 in 65,536).
        assertThat(badHeader).isEqualTo(2_000);
    }

    @Test
    void rejectsAnEmptyRecord() {
        assertThatThrownBy(() -> EVENTS.decode(new byte[0]))
                .isInstanceOfSatisfying(
                        DecodeException.class,
                        e -> assertThat(e.reason()).isEqualTo(DecodeException.Reason.EMPTY));
    }

    @Test
    void rejectsAHugeClaimedStringLengthWithoutAllocatingIt() {
        // Header, then the zig-zag varint for a requestId of 2^30 bytes: the naive decoder
        // allocates a gigabyte for it before noticing the record is only 15 bytes long.
        byte[] header = Arrays.copyOf(EVENTS.encode(event()), 10);
        byte[] bytes = Arrays.copyOf(header, 15);
        byte[] hugeLength = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08};
        System.arraycopy(hugeLength, 0, bytes, 10, hugeLength.length);
        assertThatThrownBy(() -> EVENTS.decode(bytes))
                .isInstanceOfSatisfying(
                        DecodeException.class,
                        e -> assertThat(e.reason()).isEqualTo(DecodeException.Reason.TRUNCATED));
    }

    @Test
    void rejectsTrailingBytes() {
        byte[] bytes = Arrays.copyOf(EVENTS.encode(event()), EVENTS.encode(event()).length + 3);
        assertThatThrownBy(() -> EVENTS.decode(bytes))
                .isInstanceOfSatisfying(
                        DecodeException.class,
                        e -> assertThat(e.reason()).isEqualTo(DecodeException.Reason.CORRUPT));
    }

    @Test
    void rejectsRandomBodiesBehindAValidHeader() {
        byte[] header = Arrays.copyOf(EVENTS.encode(event()), 10);
        Random random = new Random(7);
        for (int i = 0; i < 2_000; i++) {
            byte[] bytes = Arrays.copyOf(header, 10 + random.nextInt(200));
            byte[] body = new byte[bytes.length - 10];
            random.nextBytes(body);
            System.arraycopy(body, 0, bytes, 10, body.length);
            try {
                InferenceEvent decoded = EVENTS.decode(bytes);
                assertThat(decoded).isNotNull();
            } catch (DecodeException e) {
                assertThat(e.reason())
                        .isIn(DecodeException.Reason.TRUNCATED, DecodeException.Reason.CORRUPT);
            }
        }
    }
}
