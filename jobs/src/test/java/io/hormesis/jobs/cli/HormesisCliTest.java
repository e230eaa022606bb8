package io.hormesis.jobs.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HormesisCliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) throws Exception {
        return HormesisCli.run(
                List.of(args),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsEveryCommand() throws Exception {
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("demo", "sql", "watch", "control", "lineage", "simulate");
    }

    @Test
    void commandHelpDescribesItsOptions() throws Exception {
        assertThat(run("demo", "--help")).isZero();
        assertThat(out()).contains("--speedup", "--timeout", "--dir");
    }

    @Test
    void sqlHelpListsTheTablesAndTheBundledQueryFilesWithTheirParameters() throws Exception {
        assertThat(run("sql", "--help")).isZero();
        assertThat(out())
                .contains(
                        "--param NAME=VAL",
                        "signals, decisions, commands, command_outcomes, model_versions,"
                                + " data_batches, baselines, policy_updates, dead_letters",
                        "why-rollback.sql",
                        "params: deployment at",
                        "live-version-training-data.sql",
                        "commands-last-hour.sql",
                        "headroom-evolution.sql");
        assertThat(run("verify-lineage", "--help")).isZero();
        assertThat(out()).contains("Exits 0 when every chain verifies, 1 when");
    }

    @Test
    void aQueryFileWithoutItsParametersFailsAndNamesThem() throws Exception {
        assertThat(run("sql", "--file", "why-rollback.sql", "--warehouse", "/nonexistent"))
                .isEqualTo(2);
        assertThat(err()).contains("give --param NAME=VALUE for [deployment, at]");
    }

    @Test
    void aBadCatalogTypeFailsFast() throws Exception {
        assertThat(run("verify-lineage", "--set", "iceberg.catalog-type=hive")).isEqualTo(2);
        assertThat(err()).contains("iceberg.catalog-type must be hadoop, jdbc or rest");
    }

    @Test
    void anUnknownCommandFailsWithUsage() throws Exception {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err()).contains("unknown command 'frobnicate'", "usage:");
    }

    @Test
    void anUnknownOptionFailsAndNamesIt() throws Exception {
        assertThat(run("demo", "--sped", "3")).isEqualTo(2);
        assertThat(err()).contains("unknown option --sped");
    }

    @Test
    void aMisspelledSettingFailsAndListsTheKnownOnes() throws Exception {
        assertThat(run("watch", "--bootstrap-servers", "127.0.0.1:1", "--set", "watch.z=3"))
                .isEqualTo(2);
        assertThat(err()).contains("unknown setting 'watch.z'", "watch.fire-p");
    }

    @Test
    void anOutOfRangeSettingFailsFast() throws Exception {
        assertThat(run("watch", "--bootstrap-servers", "127.0.0.1:1", "--set", "watch.fire-p=1.5"))
                .isEqualTo(2);
        assertThat(err()).contains("watch.fire-p must be in (0.0, 1.0], got 1.5");
    }

    @Test
    void controlRefusesToRunWithoutASigningKey() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("HORMESIS_SIGNING_KEY") == null);
        assertThat(run("control", "--bootstrap-servers", "127.0.0.1:1")).isEqualTo(2);
        assertThat(err()).contains("commands must be signed");
    }

    @Test
    void benchWatchRefusesZeroRoundsAndDocumentsTheOption() throws Exception {
        assertThat(run("bench", "watch", "--rounds", "0")).isEqualTo(2);
        assertThat(err()).contains("--rounds must be >= 1");
        assertThat(run("bench", "--help")).isZero();
        assertThat(out()).contains("--rounds R", "median round");
    }

    @Test
    void jobsNeedKafka() throws Exception {
        assertThat(run("watch")).isEqualTo(2);
        assertThat(err()).contains("kafka.bootstrap-servers");
    }

    @Test
    void sqlNeedsAStatement() throws Exception {
        assertThat(run("sql")).isEqualTo(2);
        assertThat(err()).contains("give one SQL statement");
    }

    @Test
    void optionsListsDefaults() throws Exception {
        assertThat(run("options")).isZero();
        assertThat(out())
                .contains(
                        "watch.fire-p",
                        "1.0E-6",
                        "control.cooldown",
                        "Tail probability at or below")
                .doesNotContain("Description@");
    }

    @Test
    void simulateExplainsItsOptionsAndRefusesBadOnesBeforeTouchingKafka() throws Exception {
        assertThat(run("simulate", "--help")).isZero();
        assertThat(out())
                .contains("--scenario", "--trace", "--seed", "--duration", "read_committed");
        assertThat(run("simulate", "--bootstrap-servers", "127.0.0.1:1", "--scenario", "nope"))
                .isEqualTo(2);
        assertThat(err()).contains("unknown scenario 'nope'", "bad-deploy");
        assertThat(
                        run(
                                "simulate",
                                "--bootstrap-servers",
                                "127.0.0.1:1",
                                "--scenario",
                                "surge",
                                "--duration",
                                "ten minutes"))
                .isEqualTo(2);
        assertThat(err()).contains("--duration takes a duration");
        assertThat(run("simulate", "--scenario", "surge")).isEqualTo(2);
        assertThat(err()).contains("--bootstrap-servers is required");
    }
}
