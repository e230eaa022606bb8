package io.hormesis.jobs.lineage;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;

import io.hormesis.schema.Command;
import io.hormesis.schema.Signal;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.FlinkSink;

import java.io.Closeable;
import java.io.IOException;

/**
 * LINEAGE: signals and commands into their Iceberg tables. The Iceberg sink commits on Flink
 * checkpoints, so rows appear exactly once even across restarts.
 */
public final class LineagePipeline {
    private LineagePipeline() {}

    public static void build(
            CatalogLoader catalogLoader, DataStream<Signal> signals, DataStream<Command> commands)
            throws IOException {
        Catalog catalog = catalogLoader.loadCatalog();
        try {
            for (LineageTables table : LineageTables.values()) {
                table.ensureExists(catalog);
            }
        } finally {
            if (catalog instanceof Closeable closeable) {
                closeable.close();
            }
        }
        sink(catalogLoader, LineageTables.SIGNALS, signals, LineageRows::signal);
        sink(catalogLoader, LineageTables.COMMANDS, commands, LineageRows::command);
    }

    private static <T> void sink(
            CatalogLoader catalogLoader,
            LineageTables table,
            DataStream<T> records,
            MapFunction<T, RowData> toRow) {
        DataStream<RowData> rows =
                records.map(toRow, InternalTypeInfo.of(FlinkSchemaUtil.convert(table.schema())))
                        .uid("lineage-rows-" + table.tableName())
                        .name("LINEAGE: " + table.tableName() + " rows");
        FlinkSink.forRowData(rows)
                .tableLoader(TableLoader.fromCatalog(catalogLoader, table.identifier()))
                .uidPrefix("lineage-" + table.tableName())
                .append();
    }
}
