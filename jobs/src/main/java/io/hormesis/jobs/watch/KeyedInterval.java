package io.hormesis.jobs.watch;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

import io.hormesis.jobs.common.BinaryStateSerializer;
import io.hormesis.jobs.common.BinaryTypeInfo;
import io.hormesis.stats.StateBytes;
import io.hormesis.stats.watch.IntervalStats;

import java.util.Objects;

/**
 * A (partial) aggregate of one interval of one key's requests, as WATCH's pre-aggregation sends it
 * over the keyed exchange: the key's names and its {@link IntervalStats}. Crosses the network in
 * its own binary form ({@link #TYPE}), never through Kryo.
 */
public final class KeyedInterval {
    private final String deployment;
    private final String modelName;
    private final String modelVersion;
    private final IntervalStats stats;

    public KeyedInterval(
            String deployment, String modelName, String modelVersion, IntervalStats stats) {
        this.deployment = Objects.requireNonNull(deployment, "deployment");
        this.modelName = Objects.requireNonNull(modelName, "modelName");
        this.modelVersion = Objects.requireNonNull(modelVersion, "modelVersion");
        this.stats = Objects.requireNonNull(stats, "stats");
    }

    /** The key WATCH keeps its state under: one model version on one deployment. */
    public static String key(String deployment, String modelName, String modelVersion) {
        return deployment + '|' + modelName + '|' + modelVersion;
    }

    public String key() {
        return key(deployment, modelName, modelVersion);
    }

    public String deployment() {
        return deployment;
    }

    public String modelName() {
        return modelName;
    }

    public String modelVersion() {
        return modelVersion;
    }

    public IntervalStats stats() {
        return stats;
    }

    @Override
    public String toString() {
        return key() + "@" + stats.intervalStart() + " requests=" + stats.requests();
    }

    public static final TypeInformation<KeyedInterval> TYPE =
            new BinaryTypeInfo<>(KeyedInterval.class, Serializer.INSTANCE);

    /** Binary serializer: the three names, then the stats. */
    public static final class Serializer extends BinaryStateSerializer<KeyedInterval> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        @Override
        protected byte[] toBytes(KeyedInterval v) {
            return StateBytes.write(
                    out -> {
                        out.writeUTF(v.deployment);
                        out.writeUTF(v.modelName);
                        out.writeUTF(v.modelVersion);
                        v.stats.writeTo(out);
                    },
                    512);
        }

        @Override
        protected KeyedInterval fromBytes(byte[] bytes) {
            return StateBytes.read(
                    bytes,
                    in ->
                            new KeyedInterval(
                                    in.readUTF(),
                                    in.readUTF(),
                                    in.readUTF(),
                                    IntervalStats.readFrom(in)));
        }

        @Override
        public KeyedInterval createInstance() {
            return new KeyedInterval("", "", "", new IntervalStats(0, 0));
        }

        @Override
        public TypeSerializerSnapshot<KeyedInterval> snapshotConfiguration() {
            return new Snapshot();
        }

        /** Serializer snapshot for savepoint compatibility. */
        public static final class Snapshot extends SimpleTypeSerializerSnapshot<KeyedInterval> {
            public Snapshot() {
                super(() -> INSTANCE);
            }
        }
    }
}
