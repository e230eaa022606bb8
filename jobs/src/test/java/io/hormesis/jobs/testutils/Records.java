package io.hormesis.jobs.testutils;

import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;

import java.time.Instant;
import java.util.Map;

/** Test records with sensible defaults. */
public final class Records {
    private Records() {}

    public static InferenceEvent.Builder event(String requestId, double latencyMs) {
        return InferenceEvent.newBuilder()
                .setRequestId(requestId)
                .setDeployment("chat-llm")
                .setModelName("llama-chat")
                .setModelVersion("v7")
                .setReplica("replica-0")
                .setEventTime(Instant.parse("2026-01-15T14:00:00Z"))
                .setLatencyMs(latencyMs)
                .setTtftMs(80.0)
                .setTokensIn(300)
                .setTokensOut(100)
                .setStatus(InferenceStatus.OK)
                .setPredictionScore(null)
                .setFeatures(Map.of());
    }
}
