package io.hormesis.jobs.sql;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

import io.hormesis.jobs.common.BinaryStateSerializer;
import io.hormesis.stats.anomaly.AnomalyScorer;
import io.hormesis.stats.anomaly.AnomalyScorers;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Comparator;

/** The observations of one SQL group, for {@link SqlSketches.AnomalyScore}. */
public final class SeriesAccumulator {
    private long[] times = new long[16];
    private double[] values = new double[16];
    private int size;

    void add(long time, double value) {
        if (size == times.length) {
            times = Arrays.copyOf(times, 2 * size);
            values = Arrays.copyOf(values, 2 * size);
        }
        times[size] = time;
        values[size] = value;
        size++;
    }

    void addAll(SeriesAccumulator other) {
        for (int i = 0; i < other.size; i++) {
            add(other.times[i], other.values[i]);
        }
    }

    int size() {
        return size;
    }

    /** Scores the observations in (time, value) order and returns the highest score. */
    double maxScore() {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order,
                Comparator.<Integer>comparingLong(i -> times[i])
                        .thenComparingDouble(i -> values[i]));
        AnomalyScorer scorer = AnomalyScorers.standard();
        double max = 0;
        for (int i : order) {
            max = Math.max(max, scorer.score(times[i], values[i]));
        }
        return max;
    }

    /** Keeps the accumulator in Flink's managed memory and state without Kryo. */
    public static final class Serializer extends BinaryStateSerializer<SeriesAccumulator> {
        private static final long serialVersionUID = 1L;

        public static final Serializer INSTANCE = new Serializer();

        @Override
        protected byte[] toBytes(SeriesAccumulator value) {
            ByteBuffer buffer = ByteBuffer.allocate(Integer.BYTES + 16 * value.size);
            buffer.putInt(value.size);
            for (int i = 0; i < value.size; i++) {
                buffer.putLong(value.times[i]).putDouble(value.values[i]);
            }
            return buffer.array();
        }

        @Override
        protected SeriesAccumulator fromBytes(byte[] bytes) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            int size = buffer.getInt();
            SeriesAccumulator acc = new SeriesAccumulator();
            for (int i = 0; i < size; i++) {
                acc.add(buffer.getLong(), buffer.getDouble());
            }
            return acc;
        }

        @Override
        public SeriesAccumulator createInstance() {
            return new SeriesAccumulator();
        }

        @Override
        public TypeSerializerSnapshot<SeriesAccumulator> snapshotConfiguration() {
            return new Snapshot();
        }

        /** Serializer snapshot for savepoint compatibility. */
        public static final class Snapshot extends SimpleTypeSerializerSnapshot<SeriesAccumulator> {
            public Snapshot() {
                super(() -> INSTANCE);
            }
        }
    }
}
