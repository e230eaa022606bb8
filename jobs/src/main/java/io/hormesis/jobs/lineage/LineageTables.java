package io.hormesis.jobs.lineage;

import io.hormesis.schema.BaselineSnapshot;
import io.hormesis.schema.Command;
import io.hormesis.schema.CommandOutcome;
import io.hormesis.schema.DataBatch;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.Decision;
import io.hormesis.schema.ModelEvent;
import io.hormesis.schema.PolicyUpdate;
import io.hormesis.schema.Signal;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;

/**
 * The lineage tables: their schemas, day partitions, the Avro record each row comes from, and
 * creation when missing. Every table ends with the four hash-chain columns {@link #CHAIN}, {@link
 * #SEQ}, {@link #PREV_HASH}, {@link #HASH} (see {@link LineageChain}).
 */
public enum LineageTables {
    SIGNALS(
            "signals",
            Signal.class,
            "event_time",
            List.of(
                    required(1, "signal_id", str()),
                    required(2, "kind", str()),
                    required(3, "deployment", str()),
                    required(4, "model_name", str()),
                    required(5, "model_version", str()),
                    required(6, "signal_name", str()),
                    required(7, "event_time", ts()),
                    required(8, "value", dbl()),
                    required(9, "score", dbl()),
                    required(10, "reason", str()),
                    required(11, "detector", str()),
                    required(12, "statistic", str()),
                    required(13, "statistic_value", dbl()),
                    required(14, "threshold", dbl()),
                    optional(15, "baseline", Types.MapType.ofRequired(16, 17, str(), dbl())),
                    required(18, "window_start", ts()),
                    required(19, "window_end", ts()),
                    required(20, "window_count", Types.LongType.get()),
                    optional(21, "source_ids", Types.ListType.ofRequired(22, str())))),
    DECISIONS(
            "decisions",
            Decision.class,
            "decided_at",
            List.of(
                    required(1, "decision_id", str()),
                    required(2, "deployment", str()),
                    required(3, "model_name", str()),
                    optional(4, "model_version", str()),
                    required(5, "decided_at", ts()),
                    required(6, "policy", str()),
                    required(7, "outcome", str()),
                    required(8, "reason", str()),
                    optional(9, "signal_ids", Types.ListType.ofRequired(10, str())),
                    optional(11, "command_id", str()),
                    optional(12, "statistics", Types.MapType.ofRequired(13, 14, str(), dbl())))),
    COMMANDS(
            "commands",
            Command.class,
            "issued_at",
            List.of(
                    required(1, "command_id", str()),
                    required(2, "kind", str()),
                    required(3, "deployment", str()),
                    required(4, "model_name", str()),
                    required(5, "issued_at", ts()),
                    required(6, "expires_at", ts()),
                    required(7, "reason", str()),
                    optional(8, "signal_ids", Types.ListType.ofRequired(9, str())),
                    optional(10, "from_replicas", Types.IntegerType.get()),
                    optional(11, "target_replicas", Types.IntegerType.get()),
                    optional(12, "rollback_from_version", str()),
                    optional(13, "rollback_to_version", str()),
                    optional(14, "retrain_features", Types.ListType.ofRequired(15, str())),
                    optional(16, "key_id", str()),
                    optional(17, "signature", str()),
                    optional(18, "forecast_rate", dbl()),
                    optional(19, "capacity_per_replica", dbl()),
                    optional(20, "evidence", Types.MapType.ofRequired(21, 22, str(), dbl())))),
    COMMAND_OUTCOMES(
            "command_outcomes",
            CommandOutcome.class,
            "event_time",
            List.of(
                    required(1, "command_id", str()),
                    required(2, "deployment", str()),
                    required(3, "status", str()),
                    required(4, "event_time", ts()),
                    required(5, "detail", str()),
                    optional(6, "observed", Types.MapType.ofRequired(7, 8, str(), dbl())))),
    MODEL_VERSIONS(
            "model_versions",
            ModelEvent.class,
            "event_time",
            List.of(
                    required(1, "event_id", str()),
                    required(2, "kind", str()),
                    required(3, "deployment", str()),
                    required(4, "model_name", str()),
                    required(5, "model_version", str()),
                    optional(6, "previous_version", str()),
                    optional(7, "training_batch_ids", Types.ListType.ofRequired(8, str())),
                    required(9, "event_time", ts()))),
    DATA_BATCHES(
            "data_batches",
            DataBatch.class,
            "event_time",
            List.of(
                    required(1, "batch_id", str()),
                    required(2, "dataset", str()),
                    required(3, "event_time", ts()),
                    required(4, "range_start", ts()),
                    required(5, "range_end", ts()),
                    required(6, "row_count", Types.LongType.get()),
                    required(7, "location", str()),
                    required(8, "content_hash", str()),
                    optional(9, "features", Types.ListType.ofRequired(10, str())))),
    BASELINES(
            "baselines",
            BaselineSnapshot.class,
            "event_time",
            List.of(
                    required(1, "snapshot_id", str()),
                    required(2, "deployment", str()),
                    required(3, "model_name", str()),
                    required(4, "model_version", str()),
                    required(5, "signal_name", str()),
                    required(6, "event_time", ts()),
                    required(7, "observations", Types.LongType.get()),
                    required(8, "level", dbl()),
                    required(9, "spread", dbl()),
                    required(10, "last_score", dbl()),
                    optional(11, "statistics", Types.MapType.ofRequired(12, 13, str(), dbl())))),
    POLICY_UPDATES(
            "policy_updates",
            PolicyUpdate.class,
            "event_time",
            List.of(
                    required(1, "update_id", str()),
                    required(2, "deployment", str()),
                    required(3, "parameter", str()),
                    required(4, "event_time", ts()),
                    required(5, "value_before", dbl()),
                    required(6, "value_after", dbl()),
                    required(7, "reason", str()),
                    optional(8, "command_id", str()))),
    DEAD_LETTERS(
            "dead_letters",
            DeadLetter.class,
            "detected_at",
            List.of(
                    required(1, "source_topic", str()),
                    required(2, "source_partition", Types.IntegerType.get()),
                    required(3, "source_offset", Types.LongType.get()),
                    required(4, "record_timestamp", ts()),
                    required(5, "reason_code", str()),
                    required(6, "reason", str()),
                    optional(7, "raw_key", Types.BinaryType.get()),
                    optional(8, "raw_value", Types.BinaryType.get()),
                    required(9, "detected_at", ts())));

    /**
     * The chain a row belongs to: its deployment, {@code dataset/NAME}, {@code dead-letters/TOPIC}.
     */
    public static final String CHAIN = "chain";

    /** Position of the row in its chain, 1, 2, 3, ... across all tables. */
    public static final String SEQ = "seq";

    /** {@link #HASH} of the row before it in the chain (64 zeros for seq 1). */
    public static final String PREV_HASH = "prev_hash";

    /** Hex SHA-256 of the previous hash and this row's canonical bytes. */
    public static final String HASH = "hash";

    private static final int CHAIN_FIELD_ID = 901;

    private final String tableName;
    private final Class<? extends SpecificRecordBase> recordClass;
    private final String dayColumn;
    private final List<NestedField> recordColumns;
    private final Schema schema;

    LineageTables(
            String tableName,
            Class<? extends SpecificRecordBase> recordClass,
            String dayColumn,
            List<NestedField> recordColumns) {
        this.tableName = tableName;
        this.recordClass = recordClass;
        this.dayColumn = dayColumn;
        this.recordColumns = recordColumns;
        List<NestedField> all = new ArrayList<>(recordColumns);
        all.add(required(CHAIN_FIELD_ID, CHAIN, str()));
        all.add(required(CHAIN_FIELD_ID + 1, SEQ, Types.LongType.get()));
        all.add(required(CHAIN_FIELD_ID + 2, PREV_HASH, str()));
        all.add(required(CHAIN_FIELD_ID + 3, HASH, str()));
        this.schema = new Schema(all);
    }

    private static Type str() {
        return Types.StringType.get();
    }

    private static Type ts() {
        return Types.TimestampType.withZone();
    }

    private static Type dbl() {
        return Types.DoubleType.get();
    }

    public String tableName() {
        return tableName;
    }

    /** The Avro record class a row of this table is made from. */
    public Class<? extends SpecificRecordBase> recordClass() {
        return recordClass;
    }

    /** The full schema: the record's columns, then chain, seq, prev_hash, hash. */
    public Schema schema() {
        return schema;
    }

    /** The columns that come from the record (the schema without the chain columns). */
    public List<NestedField> recordColumns() {
        return recordColumns;
    }

    public TableIdentifier identifier() {
        return TableIdentifier.of(LineageCatalog.NAMESPACE, tableName);
    }

    public PartitionSpec partitionSpec() {
        return PartitionSpec.builderFor(schema).day(dayColumn).build();
    }

    /** The table with this name, or an exception naming every table. */
    public static LineageTables byName(String name) {
        for (LineageTables table : values()) {
            if (table.tableName.equals(name)) {
                return table;
            }
        }
        throw new IllegalArgumentException("no lineage table '" + name + "'");
    }

    /**
     * Creates the namespace and this table if they are missing; returns the table. A table without
     * every column of {@link #schema()} (written by an earlier version) is an error, not something
     * to patch: rows without chain columns cannot be verified.
     */
    public Table ensureExists(Catalog catalog) {
        Namespace namespace = Namespace.of(LineageCatalog.NAMESPACE);
        if (catalog instanceof SupportsNamespaces namespaces
                && !namespaces.namespaceExists(namespace)) {
            try {
                namespaces.createNamespace(namespace);
            } catch (AlreadyExistsException e) {
                // Another job created it first.
            }
        }
        if (catalog.tableExists(identifier())) {
            Table table = catalog.loadTable(identifier());
            for (NestedField column : schema.columns()) {
                if (table.schema().findField(column.name()) == null) {
                    throw new IllegalStateException(
                            "lineage table "
                                    + identifier()
                                    + " has no column '"
                                    + column.name()
                                    + "' (written by an earlier version): move it away or drop it");
                }
            }
            return table;
        }
        try {
            return catalog.createTable(
                    identifier(),
                    schema,
                    partitionSpec(),
                    Map.of(TableProperties.FORMAT_VERSION, "2"));
        } catch (AlreadyExistsException e) {
            return catalog.loadTable(identifier());
        }
    }
}
