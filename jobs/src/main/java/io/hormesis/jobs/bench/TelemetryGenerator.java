package io.hormesis.jobs.bench;

import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;

import java.time.Instant;
import java.util.Map;
import java.util.Random;

/**
 * Inference telemetry for benchmarks, as Kafka would deliver it: single-object Avro bytes of {@code
 * deployments} deployments, a pool of distinct pre-encoded events cycled by index so that
 * generation costs almost nothing next to what is measured. Event time rises with the index, {@link
 * #EVENT_MICROS} per event (a fleet serving 100,000 requests/s, 1,000 per deployment of 100): each
 * record is a copy of its pooled bytes with the event time written in place (the timestamp's varint
 * has the same 6-byte length for every time the benchmark generates).
 */
public final class TelemetryGenerator implements GeneratorFunction<Long, RawRecord> {
    private static final long serialVersionUID = 1L;
    private static final int POOL = 8_192;

    /** Event time between consecutive generated events, in microseconds. */
    public static final long EVENT_MICROS = 10;

    private static final long START_MILLIS = Instant.parse("2026-01-15T00:00:00Z").toEpochMilli();

    private final int deployments;
    private transient byte[][] pool;
    private transient int[] timeOffsets;

    public TelemetryGenerator(int deployments) {
        if (deployments < 1) {
            throw new IllegalArgumentException("deployments must be >= 1");
        }
        this.deployments = deployments;
    }

    @Override
    public void open(SourceReaderContext readerContext) {
        AvroCodec<InferenceEvent> codec = AvroCodec.of(InferenceEvent.class);
        Random random = new Random(42);
        Instant start = Instant.ofEpochMilli(START_MILLIS);
        pool = new byte[POOL][];
        timeOffsets = new int[POOL];
        for (int i = 0; i < POOL; i++) {
            int d = i % deployments;
            int tokensOut = 50 + random.nextInt(101);
            double ttft = 60 * Math.exp(0.1 * random.nextGaussian());
            pool[i] =
                    codec.encode(
                            InferenceEvent.newBuilder()
                                    .setRequestId("req-" + i)
                                    .setDeployment("deployment-" + d)
                                    .setModelName("model-" + d)
                                    .setModelVersion("v1")
                                    .setReplica("replica-" + (i % 4))
                                    .setEventTime(start)
                                    .setLatencyMs(ttft + 5.0 * tokensOut)
                                    .setTtftMs(ttft)
                                    .setTokensIn(200 + random.nextInt(600))
                                    .setTokensOut(tokensOut)
                                    .setStatus(InferenceStatus.OK)
                                    .setPredictionScore(random.nextDouble())
                                    .setFeatures(Map.of("tokens_in", 300.0))
                                    .build());
            // Header, then five short ASCII strings (a one-byte length each), then the time.
            int offset = 10;
            for (int s = 0; s < 5; s++) {
                offset += 1 + (pool[i][offset] >> 1);
            }
            timeOffsets[i] = offset;
            if (varint(START_MILLIS) != 6 || readTime(pool[i], offset) != START_MILLIS) {
                throw new IllegalStateException("unexpected layout of the generated events");
            }
        }
    }

    /** Length of the zig-zag varint of a long. */
    private static int varint(long value) {
        long z = (value << 1) ^ (value >> 63);
        int n = 1;
        while ((z >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    private static long readTime(byte[] bytes, int offset) {
        long z = 0;
        for (int b = 0; b < 6; b++) {
            z |= (long) (bytes[offset + b] & 0x7F) << (7 * b);
        }
        return (z >>> 1) ^ -(z & 1);
    }

    /** Event time of the event at {@code index}, in epoch milliseconds. */
    public static long eventTimeMillis(long index) {
        return START_MILLIS + index * EVENT_MICROS / 1_000;
    }

    @Override
    public RawRecord map(Long index) {
        int slot = (int) (index % POOL);
        byte[] bytes = pool[slot].clone();
        long z = eventTimeMillis(index) << 1; // zig-zag of a positive long
        int offset = timeOffsets[slot];
        for (int b = 0; b < 5; b++) {
            bytes[offset + b] = (byte) ((z & 0x7F) | 0x80);
            z >>>= 7;
        }
        bytes[offset + 5] = (byte) z;
        return new RawRecord("inference-events", 0, index, 0L, null, bytes);
    }
}
