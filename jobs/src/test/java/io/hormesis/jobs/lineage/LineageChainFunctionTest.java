package io.hormesis.jobs.lineage;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.table.data.RowData;

import io.hormesis.jobs.control.CommandSigner;
import io.hormesis.jobs.testutils.LineageStory;
import io.hormesis.schema.AvroCodec;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

class LineageChainFunctionTest {
    private final LineageStory story =
            new LineageStory(new CommandSigner("k1", "a-test-signing-key-of-at-least-32-chars"));

    @Test
    void oneChainPerDeploymentAcrossTablesLinkedByHashAndContinuedAfterRestore() throws Exception {
        List<LineageStory.Item> items = new ArrayList<>(story.firstHalf());
        items.addAll(story.secondHalf());
        int half = items.size() / 2;
        List<Link> links = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (var harness = harness()) {
            harness.open();
            for (LineageStory.Item item : items.subList(0, half)) {
                harness.processElement(new StreamRecord<>(entry(item)));
            }
            links.addAll(drain(harness));
            snapshot = harness.snapshot(1, 1);
            assertThat(harness.numKeyedStateEntries()).isEqualTo(chains(items.subList(0, half)));
        }
        try (var restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            for (LineageStory.Item item : items.subList(half, items.size())) {
                restored.processElement(new StreamRecord<>(entry(item)));
            }
            links.addAll(drain(restored));
        }
        assertThat(links).hasSize(items.size());
        // Per chain: seq 1, 2, 3, ... and each prev_hash the hash before it, across the restore.
        for (String chain : links.stream().map(Link::chain).distinct().toList()) {
            List<Link> chainLinks = links.stream().filter(l -> l.chain().equals(chain)).toList();
            String prev = LineageChain.GENESIS;
            for (int i = 0; i < chainLinks.size(); i++) {
                assertThat(chainLinks.get(i).seq()).isEqualTo(i + 1);
                assertThat(chainLinks.get(i).prevHash()).isEqualTo(prev);
                prev = chainLinks.get(i).hash();
            }
        }
        // Deployments and datasets each have their own chain.
        assertThat(links.stream().map(Link::chain).distinct())
                .contains("chat-llm", "embed-svc", "dataset/chat-logs", "dataset/embed-corpus");
    }

    @Test
    void theHashCoversEveryColumnTheSeqAndTheChain() {
        Object[] values = LineageRows.values(LineageTables.COMMANDS, story.rollback);
        String hash =
                LineageChain.hash(LineageChain.GENESIS, LineageTables.COMMANDS, "c", 3, values);
        assertThat(LineageChain.hash(LineageChain.GENESIS, LineageTables.COMMANDS, "c", 3, values))
                .isEqualTo(hash);
        assertThat(LineageChain.hash(LineageChain.GENESIS, LineageTables.COMMANDS, "c", 4, values))
                .isNotEqualTo(hash);
        assertThat(LineageChain.hash(LineageChain.GENESIS, LineageTables.COMMANDS, "d", 3, values))
                .isNotEqualTo(hash);
        assertThat(LineageChain.hash("1".repeat(64), LineageTables.COMMANDS, "c", 3, values))
                .isNotEqualTo(hash);
        for (int i = 0; i < values.length; i++) {
            Object[] changed = values.clone();
            changed[i] = changed[i] == null ? "x" : null;
            if (LineageTables.COMMANDS.recordColumns().get(i).type().typeId()
                            != org.apache.iceberg.types.Type.TypeID.STRING
                    && changed[i] != null) {
                continue;
            }
            assertThat(
                            LineageChain.hash(
                                    LineageChain.GENESIS, LineageTables.COMMANDS, "c", 3, changed))
                    .as("column %d", i)
                    .isNotEqualTo(hash);
        }
    }

    private record Link(String chain, long seq, String prevHash, String hash) {}

    private static long chains(List<LineageStory.Item> items) {
        return items.stream()
                .map(i -> LineageRows.chain(LineageTables.byName(i.table()), i.record()))
                .distinct()
                .count();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, LineageEntry, Void> harness()
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new LineageChainFunction()),
                LineageEntry::getChain,
                Types.STRING);
    }

    private static List<Link> drain(
            KeyedOneInputStreamOperatorTestHarness<String, LineageEntry, Void> harness) {
        List<Link> links = new ArrayList<>();
        for (LineageTables table : LineageTables.values()) {
            ConcurrentLinkedQueue<StreamRecord<RowData>> out =
                    harness.getSideOutput(LineageChainFunction.rows(table));
            if (out == null) {
                continue;
            }
            int at = table.recordColumns().size();
            for (StreamRecord<RowData> r : out) {
                RowData row = r.getValue();
                links.add(
                        new Link(
                                row.getString(at).toString(),
                                row.getLong(at + 1),
                                row.getString(at + 2).toString(),
                                row.getString(at + 3).toString()));
            }
            out.clear();
        }
        links.sort(java.util.Comparator.comparing(Link::chain).thenComparing(Link::seq));
        return links;
    }

    @SuppressWarnings("unchecked")
    private static LineageEntry entry(LineageStory.Item item) {
        LineageTables table = LineageTables.byName(item.table());
        SpecificRecordBase record = item.record();
        AvroCodec<SpecificRecordBase> codec =
                (AvroCodec<SpecificRecordBase>) AvroCodec.of(record.getClass());
        return new LineageEntry(
                table.tableName(), LineageRows.chain(table, record), codec.encode(record));
    }

    static TypeInformation<LineageEntry> entryType() {
        return TypeInformation.of(LineageEntry.class);
    }
}
