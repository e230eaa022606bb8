package io.hormesis.jobs.control;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

import io.hormesis.jobs.common.BinaryStateSerializer;

/** Keeps a {@link TelemetryAggregator} (its open intervals) in keyed state in its own form. */
public final class TelemetryAggregatorSerializer
        extends BinaryStateSerializer<TelemetryAggregator> {
    private static final long serialVersionUID = 1L;

    public static final TelemetryAggregatorSerializer INSTANCE =
            new TelemetryAggregatorSerializer();

    @Override
    protected byte[] toBytes(TelemetryAggregator value) {
        return value.toBytes();
    }

    @Override
    protected TelemetryAggregator fromBytes(byte[] bytes) {
        return TelemetryAggregator.fromBytes(bytes);
    }

    @Override
    public TelemetryAggregator createInstance() {
        return new TelemetryAggregator(10_000, 1, 1);
    }

    @Override
    public TypeSerializerSnapshot<TelemetryAggregator> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot for savepoint compatibility. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<TelemetryAggregator> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
