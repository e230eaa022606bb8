package io.hormesis.jobs.lineage;

import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;

import io.hormesis.schema.Command;
import io.hormesis.schema.Evidence;
import io.hormesis.schema.Signal;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Avro records to rows of the lineage tables, column for column in {@link LineageTables}. */
public final class LineageRows {
    private LineageRows() {}

    public static RowData signal(Signal s) {
        Evidence e = s.getEvidence();
        Map<StringData, Double> baseline = new HashMap<>();
        e.getBaseline().forEach((k, v) -> baseline.put(StringData.fromString(k), v));
        return GenericRowData.of(
                str(s.getSignalId()),
                str(s.getKind().name()),
                str(s.getDeployment()),
                str(s.getModelName()),
                str(s.getModelVersion()),
                str(s.getSignalName()),
                ts(s.getEventTime()),
                s.getValue(),
                s.getScore(),
                str(s.getReason()),
                str(e.getDetector()),
                str(e.getStatistic()),
                e.getStatisticValue(),
                e.getThreshold(),
                new GenericMapData(baseline),
                ts(e.getWindowStart()),
                ts(e.getWindowEnd()),
                e.getWindowCount(),
                strings(e.getSourceIds()));
    }

    public static RowData command(Command c) {
        return GenericRowData.of(
                str(c.getCommandId()),
                str(c.getKind().name()),
                str(c.getDeployment()),
                str(c.getModelName()),
                ts(c.getIssuedAt()),
                ts(c.getExpiresAt()),
                str(c.getReason()),
                strings(c.getSignalIds()),
                c.getScale() == null ? null : c.getScale().getFromReplicas(),
                c.getScale() == null ? null : c.getScale().getTargetReplicas(),
                c.getRollback() == null ? null : str(c.getRollback().getFromVersion()),
                c.getRollback() == null ? null : str(c.getRollback().getToVersion()),
                c.getRetrain() == null ? null : strings(c.getRetrain().getDriftedFeatures()),
                str(c.getKeyId()),
                str(c.getSignature()));
    }

    private static StringData str(String s) {
        return s == null ? null : StringData.fromString(s);
    }

    private static TimestampData ts(Instant instant) {
        return TimestampData.fromInstant(instant);
    }

    private static GenericArrayData strings(List<String> values) {
        Object[] data = new Object[values.size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = StringData.fromString(values.get(i));
        }
        return new GenericArrayData(data);
    }
}
