package io.hormesis.jobs.watch;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

import io.hormesis.jobs.common.BinaryStateSerializer;
import io.hormesis.stats.anomaly.TailProbabilityScorer;

/** Keeps a {@link TailProbabilityScorer} in keyed state in its own binary form. */
public final class TailScorerSerializer extends BinaryStateSerializer<TailProbabilityScorer> {
    private static final long serialVersionUID = 1L;

    public static final TailScorerSerializer INSTANCE = new TailScorerSerializer();

    @Override
    protected byte[] toBytes(TailProbabilityScorer value) {
        return value.toBytes();
    }

    @Override
    protected TailProbabilityScorer fromBytes(byte[] bytes) {
        return TailProbabilityScorer.fromBytes(bytes);
    }

    @Override
    public TailProbabilityScorer createInstance() {
        return new TailProbabilityScorer(TailProbabilityScorer.Settings.defaults());
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
