package io.hormesis.jobs.testutils;

import io.hormesis.jobs.sim.FleetSimulator;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.DecodeException;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;
import io.hormesis.stats.watch.IntervalStats;
import io.hormesis.stats.watch.KeyWatch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The WATCH logic in plain Java, no Flink: an oracle for what the pipeline must emit from the same
 * records with the default settings (10-second intervals per key, a window firing at binomial tail
 * probability 1e-6 or less, one signal per episode). Like the streaming job without watermarks, a
 * key's last window stays open: windows close when a later interval's data arrives.
 */
public final class OfflineWatch {
    private OfflineWatch() {}

    /** One alarm: which key, at what event time, over how many requests. */
    public record Alarm(String deployment, String signalName, Instant eventTime, int windowCount) {}

    public static List<Alarm> alarms(List<FleetSimulator.SimRecord> records) {
        AvroCodec<InferenceEvent> codec = AvroCodec.of(InferenceEvent.class);
        KeyWatch.Settings settings = KeyWatch.Settings.withFireP(1e-6);
        Map<String, KeyWatch> watches = new HashMap<>();
        Map<String, IntervalStats> open = new HashMap<>();
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
            String key = e.getDeployment() + "|" + e.getModelName() + "|" + e.getModelVersion();
            long t = e.getEventTime().toEpochMilli();
            long interval = KeyWatch.intervalOf(t, settings.intervalMillis());
            IntervalStats stats = open.get(key);
            if (stats != null && stats.intervalStart() != interval) {
                KeyWatch watch = watches.computeIfAbsent(key, k -> new KeyWatch(settings));
                String deployment = e.getDeployment();
                watch.add(
                        stats,
                        new KeyWatch.Listener() {
                            @Override
                            public void alarm(KeyWatch.Alarm a) {
                                alarms.add(
                                        new Alarm(
                                                deployment,
                                                a.metric(),
                                                Instant.ofEpochMilli(a.eventTimeMillis()),
                                                a.windowCount()));
                            }

                            @Override
                            public void baseline(KeyWatch.Baseline b) {}
                        });
                stats = null;
            }
            if (stats == null) {
                stats = new IntervalStats(interval, settings.idCap());
                open.put(key, stats);
            }
            boolean ok = e.getStatus() == InferenceStatus.OK;
            stats.record(
                    t,
                    ok,
                    ok ? e.getLatencyMs() : Double.NaN,
                    !ok || e.getTtftMs() == null ? Double.NaN : e.getTtftMs(),
                    e.getRequestId());
        }
        return alarms;
    }
}
