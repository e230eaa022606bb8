package io.hormesis.jobs.watch;

import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.jobs.testutils.Records;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class InferenceEventAggregatorTest {
    private static final Instant T0 = Instant.parse("2026-01-15T14:00:00Z");
    private static final AvroCodec<InferenceEvent> CODEC = AvroCodec.of(InferenceEvent.class);

    private OneInputStreamOperatorTestHarness<RawRecord, KeyedInterval> harness;
    private long offset;

    private void open(int maxBuffered) throws Exception {
        harness =
                new OneInputStreamOperatorTestHarness<>(
                        new InferenceEventAggregator(
                                new InferenceEventValidator(Duration.ofMinutes(5)),
                                10_000,
                                4,
                                maxBuffered,
                                100));
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void send(byte[] value) throws Exception {
        harness.processElement(
                new StreamRecord<>(
                        new RawRecord("inference-events", 0, offset++, 0L, null, value)));
    }

    private void send(String version, long atMillis, double latency, boolean ok) throws Exception {
        send(
                CODEC.encode(
                        Records.event("r" + offset, latency)
                                .setModelVersion(version)
                                .setEventTime(T0.plusMillis(atMillis))
                                .setStatus(ok ? InferenceStatus.OK : InferenceStatus.ERROR)
                                .build()));
    }

    private List<KeyedInterval> partials() {
        List<KeyedInterval> out = new ArrayList<>();
        for (Object o : harness.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                out.add((KeyedInterval) r.getValue());
            }
        }
        return out;
    }

    private List<DeadLetter> deadLetters() {
        List<DeadLetter> out = new ArrayList<>();
        var side = harness.getSideOutput(DecodeFunction.DEAD_LETTERS);
        if (side != null) {
            side.forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    @Test
    void emitsAKeysIntervalWhenItsNextIntervalBegins() throws Exception {
        open(1_000);
        for (int i = 0; i < 6; i++) {
            send("v1", 1_000L * i, 100 + i, i != 5);
            send("v2", 1_000L * i, 200, true);
        }
        assertThat(partials()).isEmpty();
        send("v1", 10_000, 100, true);
        assertThat(partials())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.key()).isEqualTo("chat-llm|llama-chat|v1");
                            assertThat(p.stats().intervalStart()).isEqualTo(T0.toEpochMilli());
                            assertThat(p.stats().requests()).isEqualTo(6);
                            assertThat(p.stats().errors()).isEqualTo(1);
                            // A failed request's latency is not a speed.
                            assertThat(p.stats().histogram(0).total()).isEqualTo(5);
                            assertThat(p.stats().histogram(1).total()).isEqualTo(5);
                            assertThat(p.stats().firstMillis()).isEqualTo(T0.toEpochMilli());
                            assertThat(p.stats().lastMillis()).isEqualTo(T0.toEpochMilli() + 5_000);
                            // Ids capped at 4, in arrival order.
                            assertThat(p.stats().ids()).containsExactly("r0", "r2", "r4", "r6");
                        });
    }

    @Test
    void fastAndGeneralPathRecordsOfOneKeyShareOnePartial() throws Exception {
        // A non-ASCII request id makes the fast path decline the record; the general path accepts
        // it. Both must find the same open partial (the key's slice is the names' Avro encoding
        // either way), and a non-ASCII deployment must be a key of its own.
        open(1_000);
        send("v1", 0, 100, true);
        send(
                CODEC.encode(
                        Records.event("réq-1", 110)
                                .setModelVersion("v1")
                                .setEventTime(T0.plusMillis(1))
                                .build()));
        send("v1", 2, 120, true);
        send(
                CODEC.encode(
                        Records.event("r-x", 130)
                                .setDeployment("chät-llm")
                                .setModelVersion("v1")
                                .setEventTime(T0.plusMillis(3))
                                .build()));
        harness.prepareSnapshotPreBarrier(1);
        assertThat(partials())
                .extracting(p -> p.key() + "=" + p.stats().requests())
                .containsExactlyInAnyOrder("chat-llm|llama-chat|v1=3", "chät-llm|llama-chat|v1=1");
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void badRecordsBecomeDeadLettersAndAreNotCounted() throws Exception {
        open(1_000);
        byte[] good = CODEC.encode(Records.event("ok", 100).build());
        send(Arrays.copyOf(good, good.length - 3));
        send(CODEC.encode(Records.event("neg", -5).build()));
        send(new byte[0]);
        send(good);
        assertThat(deadLetters())
                .extracting(DeadLetter::getReasonCode)
                .containsExactly("TRUNCATED", "INVALID", "EMPTY");
        assertThat(deadLetters().get(1).getReason()).contains("latencyMs");
        assertThat(deadLetters().get(0).getSourceOffset()).isZero();
        harness.prepareSnapshotPreBarrier(1L);
        assertThat(partials())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.stats().requests()).isEqualTo(1);
                            assertThat(p.stats().ids()).containsExactly("ok");
                        });
    }

    @Test
    void everythingBufferedIsEmittedBeforeACheckpointBarrier() throws Exception {
        open(1_000);
        send("v1", 0, 100, true);
        send("v2", 0, 100, true);
        harness.prepareSnapshotPreBarrier(7L);
        assertThat(partials()).hasSize(2);
        // And the operator's checkpoint holds nothing: the buffer is empty.
        harness.snapshot(7L, 7L);
        send("v1", 1, 100, true);
        harness.prepareSnapshotPreBarrier(8L);
        assertThat(partials()).hasSize(3);
    }

    @Test
    void aWatermarkEmitsTheIntervalsItHasPassedAndIsForwarded() throws Exception {
        open(1_000);
        send("v1", 0, 100, true);
        send("v2", 12_000, 100, true);
        harness.processWatermark(new Watermark(T0.toEpochMilli() + 10_000));
        assertThat(partials())
                .singleElement()
                .satisfies(p -> assertThat(p.modelVersion()).isEqualTo("v1"));
        assertThat(harness.getOutput()).anyMatch(o -> o instanceof Watermark);
    }

    @Test
    void aFullBufferIsFlushed() throws Exception {
        open(10);
        for (int i = 0; i < 25; i++) {
            send("v1", i, 100, true);
        }
        assertThat(partials()).hasSize(2);
        assertThat(partials()).allSatisfy(p -> assertThat(p.stats().requests()).isEqualTo(10));
    }
}
