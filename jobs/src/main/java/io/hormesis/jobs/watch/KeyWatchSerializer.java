package io.hormesis.jobs.watch;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

import io.hormesis.jobs.common.BinaryStateSerializer;
import io.hormesis.stats.watch.KeyWatch;

/** Keeps a {@link KeyWatch} (settings included) in keyed state in its own binary form. */
public final class KeyWatchSerializer extends BinaryStateSerializer<KeyWatch> {
    private static final long serialVersionUID = 1L;

    public static final KeyWatchSerializer INSTANCE = new KeyWatchSerializer();

    @Override
    protected byte[] toBytes(KeyWatch value) {
        return value.toBytes();
    }

    @Override
    protected KeyWatch fromBytes(byte[] bytes) {
        return KeyWatch.fromBytes(bytes);
    }

    @Override
    public KeyWatch createInstance() {
        return new KeyWatch(KeyWatch.Settings.withFireP(1e-6));
    }

    @Override
    public TypeSerializerSnapshot<KeyWatch> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot for savepoint compatibility. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<KeyWatch> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
