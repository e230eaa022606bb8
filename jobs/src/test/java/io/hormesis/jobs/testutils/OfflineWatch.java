package io.hormesis.jobs.testutils;

import io.hormesis.jobs.sim.FleetSimulator;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.DecodeException;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;
import io.hormesis.stats.watch.KeyWatch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The WATCH logic in plain Java, no Flink: an oracle for what the pipeline must emit from the same
 * records with the default settings (a firing at tail probability 1e-6 or less, one signal per
 * episode).
 */
public final class OfflineWatch {
    private OfflineWatch() {}

    /** One alarm: which key and at what event time. */
    public record Alarm(String deployment, String signalName, Instant eventTime) {}

    public static List<Alarm> alarms(List<FleetSimulator.SimRecord> records) {
        AvroCodec<InferenceEvent> codec = AvroCodec.of(InferenceEvent.class);
        Map<String, KeyWatch> watches = new HashMap<>();
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
            boolean ok = e.getStatus() == InferenceStatus.OK;
            KeyWatch watch =
                    watches.computeIfAbsent(
                            e.getDeployment() + "|" + e.getModelName() + "|" + e.getModelVersion(),
                            key -> new KeyWatch(KeyWatch.Settings.withFireP(1e-6)));
            for (KeyWatch.Alarm a :
                    watch.observe(
                            e.getEventTime().toEpochMilli(),
                            ok,
                            ok ? e.getLatencyMs() : Double.NaN,
                            !ok || e.getTtftMs() == null ? Double.NaN : e.getTtftMs(),
                            e.getRequestId())) {
                alarms.add(
                        new Alarm(
                                e.getDeployment(),
                                a.metric(),
                                Instant.ofEpochMilli(a.eventTimeMillis())));
            }
        }
        return alarms;
    }
}
