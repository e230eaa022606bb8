package io.hormesis.jobs.control;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.testutils.TwinFleet;
import io.hormesis.jobs.watch.InferenceEventValidator;
import io.hormesis.schema.Command;
import io.hormesis.stats.control.ControlOutput;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault test's oracle against the real operator: {@link ControlOracle} over the fault fleet's
 * stream gives exactly the commands {@link ControlFunction} gives on a harness fed the same records
 * with the watermark of the job, and the stream asks for every kind of command the fault test
 * relies on.
 */
class ControlOracleTest {
    private static final Logger LOG = LoggerFactory.getLogger(ControlOracleTest.class);

    @Test
    void theOracleDecidesWhatTheOperatorDecidesOnTheFaultFleet() throws Exception {
        Configuration config = HormesisOptions.fromSettings(TwinFleet.faultSettings());
        ControlSettings settings = ControlSettings.from(config);
        TwinFleet fleet = TwinFleet.faultFleet(config);
        List<ControlRecord> records = fleet.controlRecords(config);
        long b = TwinFleet.FAULT_OUT_OF_ORDERNESS.toMillis();

        ControlOracle.Result oracle = ControlOracle.run(settings, records, b);

        ControlFunction fn =
                new ControlFunction(
                        settings, new CommandSigner("k1", HormesisOptions.signingKey(config)));
        List<Command> operator;
        try (var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(fn), ControlRecord::deployment, Types.STRING)) {
            h.setup();
            h.open();
            long max = Long.MIN_VALUE;
            long watermark = Long.MIN_VALUE;
            for (ControlRecord r : records) {
                h.processElement(r, r.eventTimeMillis());
                max = Math.max(max, r.eventTimeMillis());
                if (max - b - 1 > watermark) {
                    watermark = max - b - 1;
                    h.processWatermark(watermark);
                }
            }
            operator = h.extractOutputValues();
        }

        LOG.info(
                "fault fleet: {} records ({} malformed), deployments {}; oracle: {} commands, {}"
                        + " decisions, {} policy updates, final watermark +{} s: {}",
                fleet.records().size(),
                fleet.malformed(),
                fleet.deployments(),
                oracle.commands().size(),
                oracle.decisions().size(),
                oracle.policyUpdates().size(),
                (oracle.finalWatermark() - TwinFleet.FAULT_START.toEpochMilli()) / 1000,
                oracle.commands().stream()
                        .map(
                                c ->
                                        c.deployment()
                                                + " "
                                                + c.kind()
                                                + " at +"
                                                + (c.issuedAt()
                                                                - TwinFleet.FAULT_START
                                                                        .toEpochMilli())
                                                        / 1000
                                                + " s")
                        .collect(Collectors.joining("; ")));

        assertThat(oracle.lateEvents()).isZero();
        // The twin's requests are valid for WATCH too: its dead letters are the malformed ones.
        InferenceEventValidator validator =
                new InferenceEventValidator(config.get(HormesisOptions.WATCH_MAX_FUTURE_SKEW));
        assertThat(records)
                .filteredOn(r -> r.getInference() != null)
                .allSatisfy(r -> assertThat(validator.problem(r.getInference())).isNull());
        // The oracle runs one deployment after another, the operator interleaves them in time.
        assertThat(operator.stream().map(ControlOracle::describe).toList())
                .containsExactlyInAnyOrderElementsOf(
                        oracle.commands().stream().map(ControlOracle::describe).toList());
        Map<ControlOutput.CommandKind, Long> kinds =
                oracle.commands().stream()
                        .collect(
                                Collectors.groupingBy(
                                        ControlOutput.Command::kind, Collectors.counting()));
        assertThat(kinds)
                .containsKeys(ControlOutput.CommandKind.SCALE, ControlOutput.CommandKind.ROLLBACK);
    }
}
