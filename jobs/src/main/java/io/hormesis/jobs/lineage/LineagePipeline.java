package io.hormesis.jobs.lineage;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

import io.hormesis.jobs.kafka.RawRecord;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.FlinkSink;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;

/**
 * LINEAGE: the records of every lineage topic into their Iceberg tables, hash-chained per
 * deployment. One source reads all topics; the records are decoded, keyed by chain, given their seq
 * and hashes by {@link LineageChainFunction}, and written by one Iceberg sink per table. The sinks
 * commit on Flink checkpoints and the Kafka offsets are committed on the same checkpoints, so a
 * restart neither loses nor duplicates rows, and an unavailable catalog only delays them.
 */
public final class LineagePipeline {
    private LineagePipeline() {}

    /**
     * @param raw the records of the lineage topics, as read
     * @param tablesByTopic which table each topic's records go to
     */
    public static void build(
            CatalogLoader catalogLoader,
            DataStream<RawRecord> raw,
            Map<String, LineageTables> tablesByTopic)
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
        DataStream<LineageEntry> entries =
                raw.process(new LineageDecodeFunction(tablesByTopic))
                        .uid("lineage-decode")
                        .name("LINEAGE: decode");
        SingleOutputStreamOperator<Void> chained =
                entries.keyBy(LineageEntry::getChain)
                        .process(new LineageChainFunction(), Types.VOID)
                        .uid("lineage-chain")
                        .name("LINEAGE: hash chain per deployment");
        for (LineageTables table : LineageTables.values()) {
            FlinkSink.forRowData(chained.getSideOutput(LineageChainFunction.rows(table)))
                    .tableLoader(TableLoader.fromCatalog(catalogLoader, table.identifier()))
                    .uidPrefix("lineage-" + table.tableName())
                    .append();
        }
    }
}
