package io.hormesis.jobs.watch;

import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;

/**
 * Turns an InferenceEvent into what WATCH baselines: whether it failed (for the error rate), and
 * the end-to-end latency and time to first token of successful requests (a failed request's latency
 * says nothing about speed).
 */
public final class ObservationExtractor implements FlatMapFunction<InferenceEvent, Observation> {
    private static final long serialVersionUID = 1L;

    public static final String LATENCY = "latency_ms";
    public static final String TTFT = "ttft_ms";

    @Override
    public void flatMap(InferenceEvent e, Collector<Observation> out) {
        boolean ok = e.getStatus() == InferenceStatus.OK;
        out.collect(
                new Observation(
                        e.getDeployment(),
                        e.getModelName(),
                        e.getModelVersion(),
                        e.getEventTime().toEpochMilli(),
                        ok,
                        ok ? e.getLatencyMs() : Double.NaN,
                        !ok || e.getTtftMs() == null ? Double.NaN : e.getTtftMs(),
                        e.getRequestId()));
    }
}
