package io.hormesis.jobs.lineage;

import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;

import io.hormesis.schema.BaselineSnapshot;
import io.hormesis.schema.Command;
import io.hormesis.schema.CommandOutcome;
import io.hormesis.schema.DataBatch;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.Decision;
import io.hormesis.schema.Evidence;
import io.hormesis.schema.ModelEvent;
import io.hormesis.schema.PolicyUpdate;
import io.hormesis.schema.Signal;
import org.apache.avro.specific.SpecificRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types.NestedField;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Avro records to rows of the lineage tables, column for column in {@link LineageTables}. A row is
 * first a list of plain Java values (String, Instant, Double, Long, Integer, {@code Map<String,
 * Double>}, {@code List<String>}, byte[]), the form the hash chain is computed over; the same plain
 * form is recovered from a row read back from Iceberg, so the verifier hashes exactly what was
 * written.
 */
public final class LineageRows {
    private LineageRows() {}

    /** The chain a record belongs to: its deployment, or the dataset or dead-letter topic. */
    public static String chain(LineageTables table, SpecificRecord record) {
        return switch (table) {
            case SIGNALS -> ((Signal) record).getDeployment();
            case DECISIONS -> ((Decision) record).getDeployment();
            case COMMANDS -> ((Command) record).getDeployment();
            case COMMAND_OUTCOMES -> ((CommandOutcome) record).getDeployment();
            case MODEL_VERSIONS -> ((ModelEvent) record).getDeployment();
            case DATA_BATCHES -> "dataset/" + ((DataBatch) record).getDataset();
            case BASELINES -> ((BaselineSnapshot) record).getDeployment();
            case POLICY_UPDATES -> ((PolicyUpdate) record).getDeployment();
            case DEAD_LETTERS -> "dead-letters/" + ((DeadLetter) record).getSourceTopic();
        };
    }

    /** The record's column values, in {@link LineageTables#recordColumns()} order, plain form. */
    public static Object[] values(LineageTables table, SpecificRecord record) {
        return switch (table) {
            case SIGNALS -> signal((Signal) record);
            case DECISIONS -> decision((Decision) record);
            case COMMANDS -> command((Command) record);
            case COMMAND_OUTCOMES -> outcome((CommandOutcome) record);
            case MODEL_VERSIONS -> modelEvent((ModelEvent) record);
            case DATA_BATCHES -> dataBatch((DataBatch) record);
            case BASELINES -> baseline((BaselineSnapshot) record);
            case POLICY_UPDATES -> policyUpdate((PolicyUpdate) record);
            case DEAD_LETTERS -> deadLetter((DeadLetter) record);
        };
    }

    static Object[] signal(Signal s) {
        Evidence e = s.getEvidence();
        return new Object[] {
            s.getSignalId(),
            s.getKind().name(),
            s.getDeployment(),
            s.getModelName(),
            s.getModelVersion(),
            s.getSignalName(),
            s.getEventTime(),
            s.getValue(),
            s.getScore(),
            s.getReason(),
            e.getDetector(),
            e.getStatistic(),
            e.getStatisticValue(),
            e.getThreshold(),
            copy(e.getBaseline()),
            e.getWindowStart(),
            e.getWindowEnd(),
            e.getWindowCount(),
            List.copyOf(e.getSourceIds())
        };
    }

    static Object[] decision(Decision d) {
        return new Object[] {
            d.getDecisionId(),
            d.getDeployment(),
            d.getModelName(),
            d.getModelVersion(),
            d.getDecidedAt(),
            d.getPolicy(),
            d.getOutcome().name(),
            d.getReason(),
            List.copyOf(d.getSignalIds()),
            d.getCommandId(),
            copy(d.getStatistics())
        };
    }

    static Object[] command(Command c) {
        boolean scale = c.getScale() != null;
        return new Object[] {
            c.getCommandId(),
            c.getKind().name(),
            c.getDeployment(),
            c.getModelName(),
            c.getIssuedAt(),
            c.getExpiresAt(),
            c.getReason(),
            List.copyOf(c.getSignalIds()),
            scale ? c.getScale().getFromReplicas() : null,
            scale ? c.getScale().getTargetReplicas() : null,
            c.getRollback() == null ? null : c.getRollback().getFromVersion(),
            c.getRollback() == null ? null : c.getRollback().getToVersion(),
            c.getRetrain() == null ? null : List.copyOf(c.getRetrain().getDriftedFeatures()),
            c.getKeyId(),
            c.getSignature(),
            scale ? c.getScale().getForecastRate() : null,
            scale ? c.getScale().getCapacityPerReplica() : null,
            copy(c.getEvidence())
        };
    }

    static Object[] outcome(CommandOutcome o) {
        return new Object[] {
            o.getCommandId(),
            o.getDeployment(),
            o.getStatus().name(),
            o.getEventTime(),
            o.getDetail(),
            copy(o.getObserved())
        };
    }

    static Object[] modelEvent(ModelEvent m) {
        return new Object[] {
            m.getEventId(),
            m.getKind().name(),
            m.getDeployment(),
            m.getModelName(),
            m.getModelVersion(),
            m.getPreviousVersion(),
            List.copyOf(m.getTrainingBatchIds()),
            m.getEventTime()
        };
    }

    static Object[] dataBatch(DataBatch b) {
        return new Object[] {
            b.getBatchId(),
            b.getDataset(),
            b.getEventTime(),
            b.getRangeStart(),
            b.getRangeEnd(),
            b.getRowCount(),
            b.getLocation(),
            b.getContentHash(),
            List.copyOf(b.getFeatures())
        };
    }

    static Object[] baseline(BaselineSnapshot b) {
        return new Object[] {
            b.getSnapshotId(),
            b.getDeployment(),
            b.getModelName(),
            b.getModelVersion(),
            b.getSignalName(),
            b.getEventTime(),
            b.getCount(),
            b.getLevel(),
            b.getSpread(),
            b.getLastScore(),
            copy(b.getStatistics())
        };
    }

    static Object[] policyUpdate(PolicyUpdate p) {
        return new Object[] {
            p.getUpdateId(),
            p.getDeployment(),
            p.getParameter(),
            p.getEventTime(),
            p.getBefore(),
            p.getAfter(),
            p.getReason(),
            p.getCommandId()
        };
    }

    static Object[] deadLetter(DeadLetter d) {
        return new Object[] {
            d.getSourceTopic(),
            d.getSourcePartition(),
            d.getSourceOffset(),
            d.getRecordTimestamp(),
            d.getReasonCode(),
            d.getReason(),
            bytes(d.getRawKey()),
            bytes(d.getRawValue()),
            d.getDetectedAt()
        };
    }

    /** A full table row: the record's values, then the chain columns, as Flink internal data. */
    public static RowData toRowData(
            LineageTables table,
            Object[] values,
            String chain,
            long seq,
            String prev,
            String hash) {
        List<NestedField> columns = table.recordColumns();
        GenericRowData row = new GenericRowData(columns.size() + 4);
        for (int i = 0; i < columns.size(); i++) {
            row.setField(i, internal(columns.get(i).type(), values[i]));
        }
        int at = columns.size();
        row.setField(at, StringData.fromString(chain));
        row.setField(at + 1, seq);
        row.setField(at + 2, StringData.fromString(prev));
        row.setField(at + 3, StringData.fromString(hash));
        return row;
    }

    /** The plain values of the record columns of a row read back with Iceberg's generic reader. */
    public static Object[] values(LineageTables table, Record row) {
        List<NestedField> columns = table.recordColumns();
        Object[] values = new Object[columns.size()];
        for (int i = 0; i < values.length; i++) {
            NestedField column = columns.get(i);
            values[i] = plain(column.type(), row.getField(column.name()));
        }
        return values;
    }

    private static Object internal(Type type, Object value) {
        if (value == null) {
            return null;
        }
        switch (type.typeId()) {
            case STRING:
                return StringData.fromString((String) value);
            case TIMESTAMP:
                return TimestampData.fromInstant((Instant) value);
            case MAP:
                {
                    Map<StringData, Object> map = new HashMap<>();
                    ((Map<?, ?>) value)
                            .forEach((k, v) -> map.put(StringData.fromString((String) k), v));
                    return new GenericMapData(map);
                }
            case LIST:
                {
                    List<?> list = (List<?>) value;
                    Object[] data = new Object[list.size()];
                    for (int i = 0; i < data.length; i++) {
                        data[i] = StringData.fromString((String) list.get(i));
                    }
                    return new GenericArrayData(data);
                }
            default:
                return value;
        }
    }

    private static Object plain(Type type, Object value) {
        if (value == null) {
            return null;
        }
        switch (type.typeId()) {
            case STRING:
                return value.toString();
            case TIMESTAMP:
                return value instanceof OffsetDateTime odt ? odt.toInstant() : value;
            case MAP:
                {
                    Map<String, Object> map = new TreeMap<>();
                    ((Map<?, ?>) value).forEach((k, v) -> map.put(k.toString(), v));
                    return map;
                }
            case LIST:
                {
                    List<String> list = new ArrayList<>();
                    ((List<?>) value).forEach(v -> list.add(v == null ? null : v.toString()));
                    return list;
                }
            case BINARY:
                return value instanceof ByteBuffer buffer ? bytes(buffer) : value;
            default:
                return value;
        }
    }

    private static Map<String, Double> copy(Map<String, Double> map) {
        return map == null ? null : new TreeMap<>(map);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }
}
