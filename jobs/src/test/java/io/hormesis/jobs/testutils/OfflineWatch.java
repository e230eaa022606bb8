package io.hormesis.jobs.testutils;

import io.hormesis.jobs.sim.FleetSimulator;
import io.hormesis.jobs.watch.ObservationExtractor;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.DecodeException;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;
import io.hormesis.stats.EwmaZScoreDetector;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The WATCH logic in plain Java, no Flink: an oracle for what the pipeline must emit from the same
 * records with the default settings (alpha 0.05, z 4, 3 in a row, warm-up 30, floor 5 %).
 */
public final class OfflineWatch {
    private OfflineWatch() {}

    /** One alarm: which key and at what event time. */
    public record Alarm(String deployment, String signalName, Instant eventTime) {}

    public static List<Alarm> alarms(List<FleetSimulator.SimRecord> records) {
        AvroCodec<InferenceEvent> codec = AvroCodec.of(InferenceEvent.class);
        Map<String, EwmaZScoreDetector> detectors = new HashMap<>();
        List<Alarm> alarms = new ArrayList<>();
        for (FleetSimulator.SimRecord r : records) {
            if (!r.kind().equals(FleetSimulator.VALID)) {
                continue;
            }
            InferenceEvent e;
            try {
                e = codec.decode(r.value());
            } catch (DecodeException ex) {
                throw new IllegalStateException(ex);
            }
            if (e.getStatus() != InferenceStatus.OK) {
                continue;
            }
            observe(detectors, alarms, e, ObservationExtractor.LATENCY, e.getLatencyMs());
            observe(detectors, alarms, e, ObservationExtractor.TTFT, e.getTtftMs());
        }
        return alarms;
    }

    private static void observe(
            Map<String, EwmaZScoreDetector> detectors,
            List<Alarm> alarms,
            InferenceEvent e,
            String signal,
            double value) {
        EwmaZScoreDetector detector =
                detectors.computeIfAbsent(
                        e.getDeployment() + "|" + e.getModelVersion() + "|" + signal,
                        k -> new EwmaZScoreDetector(0.05, 4.0, 3, 30, 0.05));
        if (detector.observe(e.getEventTime().toEpochMilli(), value, e.getRequestId()) != null) {
            alarms.add(new Alarm(e.getDeployment(), signal, e.getEventTime()));
        }
    }
}
