package io.hormesis.jobs.lineage;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.DecodeException;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.iceberg.flink.FlinkSchemaUtil;

import java.util.EnumMap;
import java.util.Map;

/**
 * Keyed per chain (a deployment, a dataset, a dead-letter topic): gives each lineage record the
 * next {@code seq} of its chain, links it to the previous row's hash and emits the finished row to
 * its table's side output ({@link #rows(LineageTables)}). The state is the chain head: one {@link
 * ChainHead} (seq and a 64-character hash) per chain.
 *
 * <p>This is the one keyed state in Hormesis without a TTL, on purpose. Expiring a chain head would
 * make the next row of that chain seq 1 again with the genesis prev_hash, which the verifier cannot
 * tell from a chain whose older rows were deleted: a silent restart is exactly what tamper evidence
 * must not allow. The state is bounded by the number of chains (deployments, datasets, dead-letter
 * topics, about 100 bytes each), not by traffic; retiring a deployment's chain is a deliberate act
 * (a savepoint with the key's state removed), which the verifier then reports.
 */
public class LineageChainFunction extends KeyedProcessFunction<String, LineageEntry, Void> {
    private static final long serialVersionUID = 1L;

    private static final Map<LineageTables, OutputTag<RowData>> TAGS =
            new EnumMap<>(LineageTables.class);

    static {
        for (LineageTables table : LineageTables.values()) {
            TAGS.put(
                    table,
                    new OutputTag<>(
                            "lineage-" + table.tableName(),
                            InternalTypeInfo.of(FlinkSchemaUtil.convert(table.schema()))));
        }
    }

    private transient ValueState<ChainHead> head;
    private transient Map<LineageTables, AvroCodec<? extends SpecificRecordBase>> codecs;
    private transient Counter rows;

    /** The side output of one table's finished rows. */
    public static OutputTag<RowData> rows(LineageTables table) {
        return TAGS.get(table);
    }

    @Override
    public void open(OpenContext openContext) {
        head =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "chain-head", TypeInformation.of(ChainHead.class)));
        codecs = new EnumMap<>(LineageTables.class);
        for (LineageTables table : LineageTables.values()) {
            codecs.put(table, AvroCodec.of(table.recordClass()));
        }
        rows = getRuntimeContext().getMetricGroup().addGroup("hormesis").counter("lineage_rows");
    }

    @Override
    public void processElement(LineageEntry entry, Context ctx, Collector<Void> out)
            throws Exception {
        LineageTables table = LineageTables.byName(entry.getTable());
        SpecificRecordBase record;
        try {
            record = codecs.get(table).decode(entry.getAvro());
        } catch (DecodeException e) {
            // The decode function already decoded these bytes: this is a bug, not bad input.
            throw new IllegalStateException("lineage entry " + entry + " does not decode", e);
        }
        Object[] values = LineageRows.values(table, record);
        ChainHead last = head.value();
        long seq = last == null ? 1 : last.getSeq() + 1;
        String prev = last == null ? LineageChain.GENESIS : last.getHash();
        String hash = LineageChain.hash(prev, table, entry.getChain(), seq, values);
        head.update(new ChainHead(seq, hash));
        rows.inc();
        ctx.output(
                TAGS.get(table),
                LineageRows.toRowData(table, values, entry.getChain(), seq, prev, hash));
    }
}
