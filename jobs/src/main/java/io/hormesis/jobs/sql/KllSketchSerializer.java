package io.hormesis.jobs.sql;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

import io.hormesis.jobs.common.BinaryStateSerializer;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;

/** A KLL sketch as an SQL accumulator, in DataSketches' own serialized form (no Kryo). */
public final class KllSketchSerializer extends BinaryStateSerializer<KllDoublesSketch> {
    private static final long serialVersionUID = 1L;

    public static final KllSketchSerializer INSTANCE = new KllSketchSerializer();

    @Override
    protected byte[] toBytes(KllDoublesSketch value) {
        return value.toByteArray();
    }

    @Override
    protected KllDoublesSketch fromBytes(byte[] bytes) {
        return KllDoublesSketch.heapify(Memory.wrap(bytes));
    }

    @Override
    public KllDoublesSketch createInstance() {
        return KllDoublesSketch.newHeapInstance(SqlSketches.K);
    }

    @Override
    public TypeSerializerSnapshot<KllDoublesSketch> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot for savepoint compatibility. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<KllDoublesSketch> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
