package io.hormesis.jobs.lineage;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.jobs.watch.DecodeFunction;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.DeadLetter;
import io.hormesis.schema.DecodeException;
import org.apache.avro.specific.SpecificRecordBase;

import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Decodes the records of every lineage topic (one Kafka source over all of them) into {@link
 * LineageEntry entries} for their table and chain. A record that does not decode becomes a row of
 * {@code dead_letters} directly, not a record on the dead-letter topic: LINEAGE reads that topic
 * itself, and a dead letter about a dead letter must not loop.
 */
public class LineageDecodeFunction extends ProcessFunction<RawRecord, LineageEntry> {
    private static final long serialVersionUID = 1L;

    private final Map<String, LineageTables> tablesByTopic;

    private transient Map<LineageTables, AvroCodec<? extends SpecificRecordBase>> codecs;
    private transient AvroCodec<DeadLetter> deadLetterCodec;
    private transient Counter recordsIn;
    private transient Counter deadLetters;

    public LineageDecodeFunction(Map<String, LineageTables> tablesByTopic) {
        Objects.requireNonNull(tablesByTopic, "tablesByTopic");
        if (tablesByTopic.isEmpty()) {
            throw new IllegalArgumentException("no lineage topics");
        }
        this.tablesByTopic = new HashMap<>(tablesByTopic);
    }

    @Override
    public void open(OpenContext openContext) {
        codecs = new EnumMap<>(LineageTables.class);
        for (LineageTables table : LineageTables.values()) {
            codecs.put(table, AvroCodec.of(table.recordClass()));
        }
        deadLetterCodec = AvroCodec.of(DeadLetter.class);
        var group = getRuntimeContext().getMetricGroup().addGroup("hormesis");
        recordsIn = group.counter("lineage_records_in");
        deadLetters = group.counter("lineage_dead_letters");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<LineageEntry> out) {
        recordsIn.inc();
        LineageTables table = tablesByTopic.get(raw.getTopic());
        if (table == null) {
            reject(raw, "UNKNOWN_TOPIC", "no lineage table reads topic " + raw.getTopic(), out);
            return;
        }
        SpecificRecordBase record;
        try {
            record = codecs.get(table).decode(raw.getValue());
        } catch (DecodeException e) {
            reject(raw, e.reason().name(), e.getMessage(), out);
            return;
        }
        out.collect(
                new LineageEntry(
                        table.tableName(), LineageRows.chain(table, record), raw.getValue()));
    }

    private void reject(RawRecord raw, String code, String reason, Collector<LineageEntry> out) {
        deadLetters.inc();
        DeadLetter letter = DecodeFunction.deadLetter(raw, code, reason, Instant.now());
        out.collect(
                new LineageEntry(
                        LineageTables.DEAD_LETTERS.tableName(),
                        LineageRows.chain(LineageTables.DEAD_LETTERS, letter),
                        deadLetterCodec.encode(letter)));
    }
}
