package io.hormesis.jobs.watch;

import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.DecodeException;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;
import io.hormesis.stats.watch.IntervalStats;
import io.hormesis.stats.watch.KeyWatch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * WATCH's first step, chained to the source: decodes every inference event (bad records to the
 * {@link DecodeFunction#DEAD_LETTERS} side output, exactly as {@link DecodeFunction} does) and
 * counts it into the {@link IntervalStats} of its key and interval, so the keyed exchange carries
 * one partial aggregate per key and interval instead of every event.
 *
 * <p>A key's partial is emitted when an event of a later interval arrives for that key, when a
 * watermark passes the interval's end, before every checkpoint barrier (so nothing buffered is lost
 * on a failure: the buffer is empty in every checkpoint), at the end of input, and when more than
 * {@code maxBufferedRequests} requests or {@code maxKeys} keys are buffered. Partials of one
 * interval merge exactly downstream, so early emission changes nothing but the partial count.
 */
public final class InferenceEventAggregator extends AbstractStreamOperator<KeyedInterval>
        implements OneInputStreamOperator<RawRecord, KeyedInterval> {
    private static final long serialVersionUID = 1L;

    private final InferenceEventValidator validator;
    private final long intervalMillis;
    private final int idCap;
    private final int maxBufferedRequests;
    private final int maxKeys;

    private transient AvroCodec<InferenceEvent> codec;
    private transient InferenceEventReader fast;
    private transient InferenceEvent reuse;
    private transient Map<KeySlice, KeyedInterval> open;
    private transient KeySlice probe;

    /** A general-path record's key names (the fast path's are read from its record). */
    private record Names(String deployment, String modelName, String modelVersion) {}

    private transient long buffered;
    private transient Counter recordsIn;
    private transient Counter deadLetters;
    private transient Counter partials;

    public InferenceEventAggregator(
            InferenceEventValidator validator,
            long intervalMillis,
            int idCap,
            int maxBufferedRequests,
            int maxKeys) {
        if (intervalMillis < 1 || idCap < 0 || maxBufferedRequests < 1 || maxKeys < 1) {
            throw new IllegalArgumentException(
                    "need intervalMillis >= 1, idCap >= 0, maxBufferedRequests >= 1, maxKeys >= 1");
        }
        this.validator = validator;
        this.intervalMillis = intervalMillis;
        this.idCap = idCap;
        this.maxBufferedRequests = maxBufferedRequests;
        this.maxKeys = maxKeys;
    }

    @Override
    public void open() throws Exception {
        super.open();
        codec = AvroCodec.of(InferenceEvent.class);
        fast =
                new InferenceEventReader(
                        validator.maxFutureSkewMillis(), validator.knownDeployments());
        open = new HashMap<>();
        probe = KeySlice.probe();
        var group = getMetricGroup().addGroup("hormesis");
        recordsIn = group.counter("records_in");
        deadLetters = group.counter("dead_letters");
        partials = group.counter("watch_partials");
    }

    @Override
    public void processElement(StreamRecord<RawRecord> element) {
        RawRecord raw = element.getValue();
        recordsIn.inc();
        if (fast.read(raw.getValue())) {
            boolean ok = fast.ok;
            IntervalStats stats =
                    partialFor(
                            probe.point(fast.bytes(), fast.keyStart(), fast.keyEnd()),
                            null,
                            fast.eventTimeMillis);
            stats.record(
                    fast.eventTimeMillis,
                    ok,
                    ok ? fast.latencyMs : Double.NaN,
                    ok ? fast.ttftMs : Double.NaN,
                    stats.wantsIds() ? fast.requestId() : null);
            counted();
            return;
        }
        // Declined by the fast path: decode and validate the general way, which accepts the
        // record or gives its dead letter the exact reason.
        InferenceEvent e;
        try {
            // Decoded into the previous record: only its values are used, before the next one.
            e = codec.decode(raw.getValue(), reuse);
            reuse = e;
        } catch (DecodeException ex) {
            reject(raw, ex.reason().name(), ex.getMessage());
            return;
        }
        String problem;
        try {
            problem = validator.problem(e);
        } catch (RuntimeException ex) {
            problem = "validation failed: " + ex;
        }
        if (problem != null) {
            reject(raw, validator.reasonCode(e, problem), problem);
            return;
        }
        boolean ok = e.getStatus() == InferenceStatus.OK;
        long t = e.getEventTime().toEpochMilli();
        Names names = new Names(e.getDeployment(), e.getModelName(), e.getModelVersion());
        partialFor(
                        KeySlice.of(names.deployment(), names.modelName(), names.modelVersion()),
                        names,
                        t)
                .record(
                        t,
                        ok,
                        ok ? e.getLatencyMs() : Double.NaN,
                        !ok || e.getTtftMs() == null ? Double.NaN : e.getTtftMs(),
                        e.getRequestId());
        counted();
    }

    /**
     * The open partial of a key for the interval of {@code eventMillis}.
     *
     * @param key the key's slice: the reusable probe (copied when stored) or a slice of its own
     * @param names the key's names, or null to take them from the fast path's record
     */
    private IntervalStats partialFor(KeySlice key, Names names, long eventMillis) {
        long interval = KeyWatch.intervalOf(eventMillis, intervalMillis);
        KeyedInterval partial = open.get(key);
        if (partial != null && partial.stats().intervalStart() != interval) {
            emit(partial);
            partial = null;
        }
        if (partial == null) {
            if (open.size() >= maxKeys) {
                flushAll();
            }
            IntervalStats stats = new IntervalStats(interval, idCap);
            partial =
                    names == null
                            ? new KeyedInterval(
                                    fast.deployment(), fast.modelName(), fast.modelVersion(), stats)
                            : new KeyedInterval(
                                    names.deployment(),
                                    names.modelName(),
                                    names.modelVersion(),
                                    stats);
            open.put(key == probe ? key.copy() : key, partial);
        }
        return partial.stats();
    }

    private void counted() {
        if (++buffered >= maxBufferedRequests) {
            flushAll();
        }
    }

    private void reject(RawRecord raw, String code, String reason) {
        deadLetters.inc();
        output.collect(
                DecodeFunction.DEAD_LETTERS,
                new StreamRecord<>(DecodeFunction.deadLetter(raw, code, reason, Instant.now())));
    }

    private void emit(KeyedInterval partial) {
        partials.inc();
        buffered -= partial.stats().requests();
        output.collect(new StreamRecord<>(partial));
    }

    private void flushAll() {
        List<KeyedInterval> all = new ArrayList<>(open.values());
        open.clear();
        // In interval order, so a key never sees a later interval before an earlier one.
        all.sort((a, b) -> Long.compare(a.stats().intervalStart(), b.stats().intervalStart()));
        for (KeyedInterval partial : all) {
            emit(partial);
        }
        buffered = 0;
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        Iterator<KeyedInterval> it = open.values().iterator();
        while (it.hasNext()) {
            KeyedInterval partial = it.next();
            if (partial.stats().intervalStart() + intervalMillis <= mark.getTimestamp()) {
                it.remove();
                emit(partial);
            }
        }
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        flushAll();
    }

    @Override
    public void finish() throws Exception {
        flushAll();
        super.finish();
    }
}
