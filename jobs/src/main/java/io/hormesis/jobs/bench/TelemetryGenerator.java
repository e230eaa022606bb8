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
 * generation costs almost nothing next to what is measured.
 */
public final class TelemetryGenerator implements GeneratorFunction<Long, RawRecord> {
    private static final long serialVersionUID = 1L;
    private static final int POOL = 8_192;

    private final int deployments;
    private transient byte[][] pool;

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
        Instant start = Instant.parse("2026-01-15T00:00:00Z");
        pool = new byte[POOL][];
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
                                    .setEventTime(start.plusMillis(100L * i))
                                    .setLatencyMs(ttft + 5.0 * tokensOut)
                                    .setTtftMs(ttft)
                                    .setTokensIn(200 + random.nextInt(600))
                                    .setTokensOut(tokensOut)
                                    .setStatus(InferenceStatus.OK)
                                    .setPredictionScore(random.nextDouble())
                                    .setFeatures(Map.of("tokens_in", 300.0))
                                    .build());
        }
    }

    @Override
    public RawRecord map(Long index) {
        return new RawRecord("inference-events", 0, index, 0L, null, pool[(int) (index % POOL)]);
    }
}
