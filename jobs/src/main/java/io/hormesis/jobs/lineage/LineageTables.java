package io.hormesis.jobs.lineage;

import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.types.Types;

import java.util.Map;

/** The lineage tables: their schemas, day partitions, and creation when missing. */
public enum LineageTables {
    SIGNALS(
            "signals",
            new Schema(
                    Types.NestedField.required(1, "signal_id", Types.StringType.get()),
                    Types.NestedField.required(2, "kind", Types.StringType.get()),
                    Types.NestedField.required(3, "deployment", Types.StringType.get()),
                    Types.NestedField.required(4, "model_name", Types.StringType.get()),
                    Types.NestedField.required(5, "model_version", Types.StringType.get()),
                    Types.NestedField.required(6, "signal_name", Types.StringType.get()),
                    Types.NestedField.required(7, "event_time", Types.TimestampType.withZone()),
                    Types.NestedField.required(8, "value", Types.DoubleType.get()),
                    Types.NestedField.required(9, "score", Types.DoubleType.get()),
                    Types.NestedField.required(10, "reason", Types.StringType.get()),
                    Types.NestedField.required(11, "detector", Types.StringType.get()),
                    Types.NestedField.required(12, "statistic", Types.StringType.get()),
                    Types.NestedField.required(13, "statistic_value", Types.DoubleType.get()),
                    Types.NestedField.required(14, "threshold", Types.DoubleType.get()),
                    Types.NestedField.optional(
                            15,
                            "baseline",
                            Types.MapType.ofRequired(
                                    16, 17, Types.StringType.get(), Types.DoubleType.get())),
                    Types.NestedField.required(18, "window_start", Types.TimestampType.withZone()),
                    Types.NestedField.required(19, "window_end", Types.TimestampType.withZone()),
                    Types.NestedField.required(20, "window_count", Types.LongType.get()),
                    Types.NestedField.optional(
                            21,
                            "source_ids",
                            Types.ListType.ofRequired(22, Types.StringType.get()))),
            "event_time"),
    COMMANDS(
            "commands",
            new Schema(
                    Types.NestedField.required(1, "command_id", Types.StringType.get()),
                    Types.NestedField.required(2, "kind", Types.StringType.get()),
                    Types.NestedField.required(3, "deployment", Types.StringType.get()),
                    Types.NestedField.required(4, "model_name", Types.StringType.get()),
                    Types.NestedField.required(5, "issued_at", Types.TimestampType.withZone()),
                    Types.NestedField.required(6, "expires_at", Types.TimestampType.withZone()),
                    Types.NestedField.required(7, "reason", Types.StringType.get()),
                    Types.NestedField.optional(
                            8, "signal_ids", Types.ListType.ofRequired(9, Types.StringType.get())),
                    Types.NestedField.optional(10, "from_replicas", Types.IntegerType.get()),
                    Types.NestedField.optional(11, "target_replicas", Types.IntegerType.get()),
                    Types.NestedField.optional(12, "rollback_from_version", Types.StringType.get()),
                    Types.NestedField.optional(13, "rollback_to_version", Types.StringType.get()),
                    Types.NestedField.optional(
                            14,
                            "retrain_features",
                            Types.ListType.ofRequired(15, Types.StringType.get())),
                    Types.NestedField.optional(16, "key_id", Types.StringType.get()),
                    Types.NestedField.optional(17, "signature", Types.StringType.get())),
            "issued_at");

    private final String tableName;
    private final Schema schema;
    private final String dayColumn;

    LineageTables(String tableName, Schema schema, String dayColumn) {
        this.tableName = tableName;
        this.schema = schema;
        this.dayColumn = dayColumn;
    }

    public String tableName() {
        return tableName;
    }

    public Schema schema() {
        return schema;
    }

    public TableIdentifier identifier() {
        return TableIdentifier.of(LineageCatalog.NAMESPACE, tableName);
    }

    public PartitionSpec partitionSpec() {
        return PartitionSpec.builderFor(schema).day(dayColumn).build();
    }

    /** Creates the namespace and this table if they are missing; returns the table. */
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
            return catalog.loadTable(identifier());
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
