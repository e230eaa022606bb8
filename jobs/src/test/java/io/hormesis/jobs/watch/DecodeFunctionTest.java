package io.hormesis.jobs.watch;

import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.jobs.testutils.Records;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.GroundTruth;
import io.hormesis.schema.InferenceEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

class DecodeFunctionTest {
    private static final AvroCodec<InferenceEvent> CODEC = AvroCodec.of(InferenceEvent.class);

    private OneInputStreamOperatorTestHarness<RawRecord, InferenceEvent> harness;

    @BeforeEach
    void open() throws Exception {
        DecodeFunction<InferenceEvent> decode =
                new DecodeFunction<>(
                        InferenceEvent.class, new InferenceEventValidator(Duration.ofMinutes(5)));
        harness = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(decode));
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void send(long offset, byte[] value) throws Exception {
        harness.processElement(
                new StreamRecord<>(
                        new RawRecord(
                                "inference-events", 1, offset, 1_000L, "k".getBytes(), value)));
    }

    private List<DeadLetter> deadLetters() {
        ConcurrentLinkedQueue<StreamRecord<DeadLetter>> out =
                harness.getSideOutput(DecodeFunction.DEAD_LETTERS);
        return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void passesAGoodRecordThrough() throws Exception {
        InferenceEvent event = Records.event("r1", 250).build();
        send(7, CODEC.encode(event));
        assertThat(harness.extractOutputValues()).containsExactly(event);
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void sendsATruncatedRecordToDeadLettersWithItsBytesAndPosition() throws Exception {
        byte[] truncated = Arrays.copyOf(CODEC.encode(Records.event("r1", 250).build()), 30);
        send(42, truncated);
        assertThat(harness.extractOutputValues()).isEmpty();
        DeadLetter letter = deadLetters().get(0);
        assertThat(letter.getReasonCode()).isEqualTo("TRUNCATED");
        assertThat(letter.getSourceTopic()).isEqualTo("inference-events");
        assertThat(letter.getSourcePartition()).isEqualTo(1);
        assertThat(letter.getSourceOffset()).isEqualTo(42);
        assertThat(letter.getRawValue()).isEqualTo(ByteBuffer.wrap(truncated));
        assertThat(letter.getRawKey()).isEqualTo(ByteBuffer.wrap("k".getBytes()));
    }

    @Test
    void rejectsAWrongFingerprint() throws Exception {
        send(1, AvroCodec.of(GroundTruth.class).encode(new GroundTruth("r", "y", Instant.EPOCH)));
        assertThat(deadLetters())
                .extracting(DeadLetter::getReasonCode)
                .containsExactly("UNKNOWN_SCHEMA");
    }

    @Test
    void rejectsRandomBytesWithoutFailing() throws Exception {
        Random random = new Random(1);
        for (int i = 0; i < 500; i++) {
            byte[] bytes = new byte[1 + random.nextInt(100)];
            random.nextBytes(bytes);
            send(i, bytes);
        }
        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(deadLetters()).hasSize(500);
        assertThat(deadLetters()).extracting(DeadLetter::getSourceOffset).doesNotHaveDuplicates();
    }

    @Test
    void rejectsImpossibleValuesAsInvalid() throws Exception {
        send(1, CODEC.encode(Records.event("neg", -5).build()));
        send(2, CODEC.encode(Records.event("nan", Double.NaN).build()));
        send(
                3,
                CODEC.encode(
                        Records.event("future", 100)
                                .setEventTime(Instant.now().plus(Duration.ofDays(30)))
                                .build()));
        send(4, CODEC.encode(Records.event("", 100).build()));
        send(5, CODEC.encode(Records.event("x".repeat(10_000), 100).build()));
        send(6, CODEC.encode(Records.event("ok", 100).build()));
        assertThat(deadLetters()).extracting(DeadLetter::getReasonCode).containsOnly("INVALID");
        assertThat(deadLetters())
                .extracting(DeadLetter::getSourceOffset)
                .containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(deadLetters().get(0).getReason()).contains("latencyMs");
        assertThat(deadLetters().get(2).getReason()).contains("future");
        assertThat(harness.extractOutputValues())
                .extracting(InferenceEvent::getRequestId)
                .containsExactly("ok");
    }

    @Test
    void rejectsAnEmptyValue() throws Exception {
        send(3, null);
        send(4, new byte[0]);
        assertThat(deadLetters())
                .extracting(DeadLetter::getReasonCode)
                .containsExactly("EMPTY", "EMPTY");
    }
}
