package io.hormesis.jobs.watch;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import io.hormesis.stats.anomaly.TailProbabilityScorer;

import java.io.IOException;

/**
 * Keeps a {@link TailProbabilityScorer} in keyed state through its own compact, versioned binary
 * form (t-digests as bytes), never through Kryo.
 */
public final class TailScorerSerializer extends TypeSerializerSingleton<TailProbabilityScorer> {
    private static final long serialVersionUID = 1L;

    public static final TailScorerSerializer INSTANCE = new TailScorerSerializer();

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TailProbabilityScorer createInstance() {
        return new TailProbabilityScorer(TailProbabilityScorer.Settings.defaults());
    }

    @Override
    public TailProbabilityScorer copy(TailProbabilityScorer from) {
        return TailProbabilityScorer.fromBytes(from.toBytes());
    }

    @Override
    public TailProbabilityScorer copy(TailProbabilityScorer from, TailProbabilityScorer reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(TailProbabilityScorer record, DataOutputView target) throws IOException {
        byte[] bytes = record.toBytes();
        target.writeInt(bytes.length);
        target.write(bytes);
    }

    @Override
    public TailProbabilityScorer deserialize(DataInputView source) throws IOException {
        byte[] bytes = new byte[source.readInt()];
        source.readFully(bytes);
        return TailProbabilityScorer.fromBytes(bytes);
    }

    @Override
    public TailProbabilityScorer deserialize(TailProbabilityScorer reuse, DataInputView source)
            throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        int length = source.readInt();
        target.writeInt(length);
        target.write(source, length);
    }

    @Override
    public TypeSerializerSnapshot<TailProbabilityScorer> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot for savepoint compatibility. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<TailProbabilityScorer> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
