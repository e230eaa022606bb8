package io.hormesis.jobs.lineage;

import org.apache.flink.table.data.RowData;

import io.hormesis.jobs.control.CommandSigner;
import io.hormesis.schema.Command;
import io.hormesis.schema.CommandKind;
import io.hormesis.schema.Evidence;
import io.hormesis.schema.ScaleAction;
import io.hormesis.schema.Signal;
import io.hormesis.schema.SignalKind;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LineageRowsTest {

    @Test
    void aSignalRowHasEveryColumnOfItsTable() {
        Instant t = Instant.parse("2026-01-15T14:02:30Z");
        Signal s =
                Signal.newBuilder()
                        .setSignalId("sig-1")
                        .setKind(SignalKind.ANOMALY)
                        .setDeployment("chat-llm")
                        .setModelName("llama-chat")
                        .setModelVersion("v7")
                        .setSignalName("latency_ms")
                        .setEventTime(t)
                        .setValue(2100)
                        .setScore(0.9999)
                        .setReason("r")
                        .setEvidence(
                                new Evidence(
                                        "ewma-zscore",
                                        "zscore",
                                        9.0,
                                        4.0,
                                        Map.of("level", 600.0),
                                        t,
                                        t,
                                        3L,
                                        List.of("a", "b", "c")))
                        .build();
        RowData row =
                LineageRows.toRowData(
                        LineageTables.SIGNALS,
                        LineageRows.signal(s),
                        "chat-llm",
                        1,
                        LineageChain.GENESIS,
                        "h");
        assertThat(row.getArity()).isEqualTo(LineageTables.SIGNALS.schema().columns().size());
        assertThat(row.getString(0).toString()).isEqualTo("sig-1");
        assertThat(row.getTimestamp(6, 6).toInstant()).isEqualTo(t);
        assertThat(row.getArray(18).size()).isEqualTo(3);
    }

    @Test
    void aCommandRowHasEveryColumnOfItsTable() {
        Command c =
                new CommandSigner("k1", "a-test-signing-key-of-at-least-32-chars")
                        .sign(
                                Command.newBuilder()
                                        .setCommandId("cmd-1")
                                        .setKind(CommandKind.SCALE)
                                        .setDeployment("chat-llm")
                                        .setModelName("llama-chat")
                                        .setIssuedAt(Instant.EPOCH)
                                        .setExpiresAt(Instant.EPOCH)
                                        .setReason("r")
                                        .setSignalIds(List.of("sig-1"))
                                        .setScale(new ScaleAction(2, 7, 0.0, null))
                                        .setEvidence(Map.of("forecast_rps", 12.5))
                                        .build());
        RowData row =
                LineageRows.toRowData(
                        LineageTables.COMMANDS,
                        LineageRows.command(c),
                        "chat-llm",
                        7,
                        LineageChain.GENESIS,
                        "h");
        assertThat(row.getArity()).isEqualTo(LineageTables.COMMANDS.schema().columns().size());
        assertThat(row.getInt(9)).isEqualTo(7);
        assertThat(row.isNullAt(11)).isTrue();
        assertThat(row.getString(14).toString()).isEqualTo(c.getSignature());
        assertThat(row.getDouble(15)).isEqualTo(0.0);
        // Command v2's evidence, as a map column.
        assertThat(row.getMap(17).size()).isEqualTo(1);
        assertThat(row.getMap(17).keyArray().getString(0).toString()).isEqualTo("forecast_rps");
        assertThat(row.getMap(17).valueArray().getDouble(0)).isEqualTo(12.5);
        assertThat(row.getString(18).toString()).isEqualTo("chat-llm");
        assertThat(row.getLong(19)).isEqualTo(7L);
    }
}
