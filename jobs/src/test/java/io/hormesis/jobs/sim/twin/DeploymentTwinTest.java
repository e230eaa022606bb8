package io.hormesis.jobs.sim.twin;

import io.hormesis.stats.control.ControlInput.OutcomeStatus;
import io.hormesis.stats.control.ControlOutput.Command;
import io.hormesis.stats.control.ControlOutput.CommandKind;
import io.hormesis.stats.control.ControlOutput.RollbackAction;
import io.hormesis.stats.control.ControlOutput.ScaleAction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The twin: warm-up, overload, rollback, determinism, the trace reader. */
class DeploymentTwinTest {

    private static final long T0 = 1_800_000_000_000L;

    private static DeploymentTwin twin(String scenario, long seed) {
        return new DeploymentTwin(
                DeploymentTwin.Spec.benchmark(10),
                ArrivalTrace.synthetic(1_200, 20, 0.0, 600),
                TwinScenario.of(scenario, 1_200, seed),
                T0,
                seed);
    }

    private static Command scale(int from, int to) {
        return new Command(
                "c1",
                CommandKind.SCALE,
                "chat-llm",
                "llama-chat",
                T0,
                T0 + 30_000,
                "test",
                List.of(),
                new ScaleAction(from, to, 0, 0),
                null,
                null);
    }

    @Test
    void replicasBecomeReadyAWarmupAfterTheScale() {
        DeploymentTwin t = twin("feature-drift", 1);
        t.step();
        assertThat(t.apply(scale(10, 14)).status()).isEqualTo(OutcomeStatus.APPLIED);
        long applied = t.now();
        long readyAt = -1;
        long effective = -1;
        for (int i = 0; i < 200; i++) {
            DeploymentTwin.Step s = t.step();
            assertThat(s.provisionedReplicas()).isEqualTo(14);
            if (readyAt < 0 && s.readyReplicas() == 14) {
                readyAt = s.time();
            }
            if (s.outcomes().stream().anyMatch(o -> o.status() == OutcomeStatus.EFFECTIVE)) {
                effective = s.time();
            }
        }
        // 90 s +- 10 % jitter.
        assertThat(readyAt - applied).isBetween(81_000L, 99_000L);
        assertThat(effective).isEqualTo(readyAt);
    }

    @Test
    void tooFewReplicasViolateTheSloAndEnoughDoNot() {
        DeploymentTwin t = twin("feature-drift", 1);
        t.step();
        t.apply(scale(10, 3)); // 3 replicas x 4 slots at 1 req/s each: 12 req/s for 20 offered
        int violated = 0;
        for (int i = 0; i < 60; i++) {
            if (t.step().sloViolated()) {
                violated++;
            }
        }
        assertThat(violated).isGreaterThan(50);
        DeploymentTwin u = twin("feature-drift", 1);
        int ok = 0;
        for (int i = 0; i < 60; i++) {
            if (!u.step().sloViolated()) {
                ok++;
            }
        }
        assertThat(ok).isEqualTo(60);
    }

    @Test
    void aBadDeployIsDeployedAndARollbackSwitchesBack() {
        DeploymentTwin t = twin("bad-deploy", 1);
        String deployedVersion = null;
        while (deployedVersion == null) {
            DeploymentTwin.Step s = t.step();
            if (!s.modelEvents().isEmpty()) {
                deployedVersion = s.modelEvents().get(0).version();
            }
        }
        assertThat(deployedVersion).isEqualTo("v8");
        Command rollback =
                new Command(
                        "rb",
                        CommandKind.ROLLBACK,
                        "chat-llm",
                        "llama-chat",
                        t.now(),
                        t.now() + 30_000,
                        "test",
                        List.of(),
                        null,
                        new RollbackAction("v8", "v7"),
                        null);
        assertThat(t.apply(rollback).status()).isEqualTo(OutcomeStatus.APPLIED);
        String live = null;
        for (int i = 0; i < 10; i++) {
            live = t.step().liveVersion();
        }
        assertThat(live).isEqualTo("v7");
        assertThat(t.rolledBackAt() - t.deployedAt()).isBetween(1_000L, 10_000L);
    }

    @Test
    void theSameSeedGivesTheSameRun() {
        assertThat(run("chaos", 5)).isEqualTo(run("chaos", 5));
        assertThat(run("chaos", 5)).isNotEqualTo(run("chaos", 6));
    }

    private static List<String> run(String scenario, long seed) {
        DeploymentTwin t = twin(scenario, seed);
        List<String> out = new ArrayList<>();
        while (!t.finished()) {
            DeploymentTwin.Step s = t.step();
            if (s.telemetry() != null) {
                out.add(s.telemetry().requests() + "/" + s.telemetry().p95LatencyMillis());
            }
        }
        return out;
    }

    @Test
    void readsTheAzureTraceFormatAndFailsClearlyWhenItIsMissing(@TempDir Path dir)
            throws IOException {
        Files.writeString(
                dir.resolve("AzureLLMInferenceTrace_conv.csv"),
                "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                        + "2023-11-16 18:15:46.6805900,374,44\n"
                        + "2023-11-16 18:15:46.9805900,10,4\n"
                        + "2023-11-16 18:15:50.9951690,396,109\n");
        ArrivalTrace trace = ArrivalTrace.azure(dir, "conv", 1.0, 1.0);
        assertThat(trace.lengthSeconds()).isEqualTo(5);
        double total = 0;
        for (int s = 0; s < 5; s++) {
            total += trace.rate(s);
        }
        assertThat(total).isGreaterThan(0);
        // Ping-pong: second 5 replays second 4, second 9 replays second 0.
        assertThat(trace.rate(5)).isEqualTo(trace.rate(4));
        assertThat(trace.rate(9)).isEqualTo(trace.rate(0));
        assertThatThrownBy(() -> ArrivalTrace.azure(dir.resolve("missing"), "conv", 1, 1))
                .hasMessageContaining("arrival trace not found")
                .hasMessageContaining("--trace");
    }
}
