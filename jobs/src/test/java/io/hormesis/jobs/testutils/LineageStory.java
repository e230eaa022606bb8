package io.hormesis.jobs.testutils;

import io.hormesis.jobs.control.CommandSigner;
import io.hormesis.schema.BaselineSnapshot;
import io.hormesis.schema.Command;
import io.hormesis.schema.CommandKind;
import io.hormesis.schema.CommandOutcome;
import io.hormesis.schema.DataBatch;
import io.hormesis.schema.Decision;
import io.hormesis.schema.DecisionOutcome;
import io.hormesis.schema.Evidence;
import io.hormesis.schema.ModelEvent;
import io.hormesis.schema.ModelEventKind;
import io.hormesis.schema.OutcomeStatus;
import io.hormesis.schema.PolicyUpdate;
import io.hormesis.schema.RollbackAction;
import io.hormesis.schema.ScaleAction;
import io.hormesis.schema.Signal;
import io.hormesis.schema.SignalKind;
import org.apache.avro.specific.SpecificRecordBase;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One afternoon of lineage records for two deployments, as WATCH, CONTROL, the model registry, the
 * data pipeline and the controllers would produce them: chat-llm gets v8 (trained partly on a new
 * batch), v8 is slower than v7's baseline, CONTROL decides to roll back, the controller applies it
 * and reports it effective; later two SCALE commands teach the headroom twice. Each record knows
 * the table it belongs to.
 */
public final class LineageStory {
    /** A record and the table (by name) it must land in. */
    public record Item(String table, SpecificRecordBase record) {}

    public static final String DEPLOYMENT = "chat-llm";
    public static final String MODEL = "llama-chat";
    public static final Instant ROLLBACK_AT = t("14:10:00");

    public final DataBatch b101 = batch("b-101", "chat-logs", "13:00:00", 120_000);
    public final DataBatch b102 = batch("b-102", "chat-logs", "13:05:00", 80_000);
    public final DataBatch b201 = batch("b-201", "chat-logs-synthetic", "13:50:00", 95_000);
    public final DataBatch b301 = batch("b-301", "embed-corpus", "12:00:00", 1_000_000);

    public final ModelEvent v7 =
            model(
                    "me-v7",
                    ModelEventKind.DEPLOYED,
                    DEPLOYMENT,
                    "v7",
                    null,
                    List.of("b-101", "b-102"),
                    "13:00:00");
    public final ModelEvent v8 =
            model(
                    "me-v8",
                    ModelEventKind.DEPLOYED,
                    DEPLOYMENT,
                    "v8",
                    "v7",
                    List.of("b-101", "b-201"),
                    "14:00:00");
    public final ModelEvent e3 =
            model(
                    "me-e3",
                    ModelEventKind.DEPLOYED,
                    "embed-svc",
                    "e3",
                    null,
                    List.of("b-301"),
                    "12:30:00");
    public final ModelEvent rolledBack =
            model(
                    "me-rb",
                    ModelEventKind.ROLLED_BACK,
                    DEPLOYMENT,
                    "v8",
                    "v7",
                    List.of(),
                    "14:10:05");

    public final BaselineSnapshot v7Latency = baseline("bl-1", "v7", "13:55:00", 5000, 690.1, 41.3);
    public final BaselineSnapshot v8Early = baseline("bl-2", "v8", "14:05:00", 800, 1150.0, 90.0);
    public final BaselineSnapshot v8Latency =
            baseline("bl-3", "v8", "14:09:00", 1400, 1402.5, 120.7);
    public final BaselineSnapshot v8After = baseline("bl-4", "v8", "14:20:00", 1500, 1410.0, 118.0);

    public final Signal latency =
            signal(
                    "sig-lat",
                    SignalKind.CHANGE,
                    "latency_ms",
                    "14:09:30",
                    1520.4,
                    "page-hinkley",
                    "ph",
                    412.5,
                    50.0,
                    690.1);
    public final Signal ttft =
            signal(
                    "sig-ttft",
                    SignalKind.ANOMALY,
                    "ttft_ms",
                    "14:09:40",
                    310.0,
                    "tail",
                    "point_tail_p",
                    2.0e-9,
                    1.0e-6,
                    95.0);

    public final Decision decision;
    public final Command rollback;
    public final CommandOutcome rbApplied;
    public final CommandOutcome rbEffective;

    public final Command scaleOld;
    public final Command scale1;
    public final Command scale2;
    public final CommandOutcome s1Applied;
    public final CommandOutcome s1Effective;
    public final CommandOutcome s2Applied;
    public final CommandOutcome s2NotEffective;
    public final PolicyUpdate headroom1;
    public final PolicyUpdate headroom2;
    public final PolicyUpdate warmup;

    public LineageStory(CommandSigner signer) {
        rollback =
                signer.sign(
                        Command.newBuilder()
                                .setCommandId("cmd-rb-1")
                                .setKind(CommandKind.ROLLBACK)
                                .setDeployment(DEPLOYMENT)
                                .setModelName(MODEL)
                                .setIssuedAt(ROLLBACK_AT)
                                .setExpiresAt(ROLLBACK_AT.plusSeconds(300))
                                .setReason(
                                        "v8 latency_ms 1520.4 is 2.2x v7's baseline 690.1 (p=1.0e-9): roll back to v7")
                                .setSignalIds(List.of(latency.getSignalId(), ttft.getSignalId()))
                                .setRollback(new RollbackAction("v8", "v7"))
                                .build());
        decision =
                Decision.newBuilder()
                        .setDecisionId("dec-rb-1")
                        .setDeployment(DEPLOYMENT)
                        .setModelName(MODEL)
                        .setModelVersion("v8")
                        .setDecidedAt(ROLLBACK_AT)
                        .setPolicy("rollback")
                        .setOutcome(DecisionOutcome.ISSUED)
                        .setReason(
                                "v8 is worse than v7 on latency_ms (effect 2.2x, p=1.0e-9 < 0.001)")
                        .setSignalIds(List.of(latency.getSignalId(), ttft.getSignalId()))
                        .setCommandId(rollback.getCommandId())
                        .setStatistics(Map.of("p_value", 1.0e-9, "effect_size", 2.2))
                        .build();
        rbApplied =
                outcome(rollback, OutcomeStatus.APPLIED, "14:10:04", "v7 serving on 4 replicas");
        rbEffective =
                outcome(rollback, OutcomeStatus.EFFECTIVE, "14:12:00", "latency_ms back to 702.0");

        scaleOld = scale("cmd-sc-0", "embed-svc", "13:30:00", 2, 3);
        scale1 = scale("cmd-sc-1", DEPLOYMENT, "14:30:00", 2, 4);
        scale2 = scale("cmd-sc-2", DEPLOYMENT, "14:45:00", 4, 5);
        s1Applied = outcome(scale1, OutcomeStatus.APPLIED, "14:30:30", "4 replicas ready");
        s1Effective = outcome(scale1, OutcomeStatus.EFFECTIVE, "14:31:30", "p95 within SLO");
        s2Applied = outcome(scale2, OutcomeStatus.APPLIED, "14:45:20", "5 replicas ready");
        s2NotEffective = outcome(scale2, OutcomeStatus.NOT_EFFECTIVE, "14:48:00", "p95 1.3x SLO");
        headroom1 =
                policy(
                        "pu-1",
                        "headroom",
                        "14:32:00",
                        0.20,
                        0.25,
                        scale1,
                        "cmd-sc-1 needed 90 s to take effect, lead time short by 40 s: headroom 0.20 -> 0.25");
        headroom2 =
                policy(
                        "pu-2",
                        "headroom",
                        "14:50:00",
                        0.25,
                        0.30,
                        scale2,
                        "cmd-sc-2 left p95 at 1.3x SLO: headroom 0.25 -> 0.30");
        warmup =
                policy(
                        "pu-3",
                        "warmup_ms",
                        "14:50:00",
                        60_000,
                        90_000,
                        scale2,
                        "warm-up measured 90 s");
    }

    /** The records before the rollback's outcomes (the first run of the job). */
    public List<Item> firstHalf() {
        List<Item> items = new ArrayList<>();
        for (DataBatch b : List.of(b101, b102, b201, b301)) {
            items.add(new Item("data_batches", b));
        }
        for (ModelEvent m : List.of(e3, v7, v8)) {
            items.add(new Item("model_versions", m));
        }
        for (BaselineSnapshot b : List.of(v7Latency, v8Early, v8Latency)) {
            items.add(new Item("baselines", b));
        }
        items.add(new Item("signals", latency));
        items.add(new Item("signals", ttft));
        items.add(new Item("decisions", decision));
        items.add(new Item("commands", scaleOld));
        items.add(new Item("commands", rollback));
        return items;
    }

    /** Everything after (the second run, resumed from a savepoint). */
    public List<Item> secondHalf() {
        List<Item> items = new ArrayList<>();
        items.add(new Item("command_outcomes", rbApplied));
        items.add(new Item("model_versions", rolledBack));
        items.add(new Item("command_outcomes", rbEffective));
        items.add(new Item("baselines", v8After));
        items.add(new Item("commands", scale1));
        items.add(new Item("command_outcomes", s1Applied));
        items.add(new Item("command_outcomes", s1Effective));
        items.add(new Item("policy_updates", headroom1));
        items.add(new Item("commands", scale2));
        items.add(new Item("command_outcomes", s2Applied));
        items.add(new Item("command_outcomes", s2NotEffective));
        items.add(new Item("policy_updates", headroom2));
        items.add(new Item("policy_updates", warmup));
        return items;
    }

    public static Instant t(String hms) {
        return Instant.parse("2026-01-15T" + hms + "Z");
    }

    private static DataBatch batch(String id, String dataset, String at, long rows) {
        return DataBatch.newBuilder()
                .setBatchId(id)
                .setDataset(dataset)
                .setEventTime(t(at))
                .setRangeStart(t(at).minusSeconds(86_400))
                .setRangeEnd(t(at))
                .setRowCount(rows)
                .setLocation("s3://data/" + dataset + "/" + id)
                .setContentHash("sha256:" + Integer.toHexString(id.hashCode()))
                .setFeatures(List.of("prompt_tokens", "topic"))
                .build();
    }

    private static ModelEvent model(
            String id,
            ModelEventKind kind,
            String deployment,
            String version,
            String previous,
            List<String> batches,
            String at) {
        return ModelEvent.newBuilder()
                .setEventId(id)
                .setKind(kind)
                .setDeployment(deployment)
                .setModelName(deployment.equals(DEPLOYMENT) ? MODEL : "bge-embed")
                .setModelVersion(version)
                .setPreviousVersion(previous)
                .setTrainingBatchIds(batches)
                .setEventTime(t(at))
                .build();
    }

    private static BaselineSnapshot baseline(
            String id, String version, String at, long count, double level, double spread) {
        return BaselineSnapshot.newBuilder()
                .setSnapshotId(id)
                .setDeployment(DEPLOYMENT)
                .setModelName(MODEL)
                .setModelVersion(version)
                .setSignalName("latency_ms")
                .setEventTime(t(at))
                .setCount(count)
                .setLevel(level)
                .setSpread(spread)
                .setLastScore(0.5)
                .setStatistics(Map.of("p95", level * 1.4))
                .build();
    }

    private static Signal signal(
            String id,
            SignalKind kind,
            String name,
            String at,
            double value,
            String detector,
            String statistic,
            double statisticValue,
            double threshold,
            double baselineLevel) {
        return Signal.newBuilder()
                .setSignalId(id)
                .setKind(kind)
                .setDeployment(DEPLOYMENT)
                .setModelName(MODEL)
                .setModelVersion("v8")
                .setSignalName(name)
                .setEventTime(t(at))
                .setValue(value)
                .setScore(0.9999)
                .setReason(name + " of v8 above v7's baseline")
                .setEvidence(
                        new Evidence(
                                detector,
                                statistic,
                                statisticValue,
                                threshold,
                                Map.of("level", baselineLevel),
                                t(at).minusSeconds(60),
                                t(at),
                                240L,
                                List.of("req-1", "req-2")))
                .build();
    }

    private CommandOutcome outcome(Command c, OutcomeStatus status, String at, String detail) {
        return CommandOutcome.newBuilder()
                .setCommandId(c.getCommandId())
                .setDeployment(c.getDeployment())
                .setStatus(status)
                .setEventTime(t(at))
                .setDetail(detail)
                .setObserved(Map.of("latency_p95_ms", 700.0))
                .build();
    }

    private Command scale(String id, String deployment, String at, int from, int to) {
        return Command.newBuilder()
                .setCommandId(id)
                .setKind(CommandKind.SCALE)
                .setDeployment(deployment)
                .setModelName(deployment.equals(DEPLOYMENT) ? MODEL : "bge-embed")
                .setIssuedAt(t(at))
                .setExpiresAt(t(at).plusSeconds(300))
                .setReason("forecast above capacity: scale " + from + " -> " + to)
                .setSignalIds(List.of())
                .setScale(new ScaleAction(from, to, 42.0, 11.5))
                .build();
    }

    private static PolicyUpdate policy(
            String id,
            String parameter,
            String at,
            double before,
            double after,
            Command c,
            String reason) {
        return PolicyUpdate.newBuilder()
                .setUpdateId(id)
                .setDeployment(DEPLOYMENT)
                .setParameter(parameter)
                .setEventTime(t(at))
                .setBefore(before)
                .setAfter(after)
                .setReason(reason)
                .setCommandId(c.getCommandId())
                .build();
    }
}
