package io.hormesis.jobs.simulate;

import io.hormesis.jobs.control.CommandVerifier;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.Command;
import io.hormesis.schema.CommandOutcome;
import io.hormesis.schema.DecodeException;
import io.hormesis.schema.Evidence;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;
import io.hormesis.schema.ModelEvent;
import io.hormesis.schema.ModelEventKind;
import io.hormesis.schema.OutcomeStatus;
import io.hormesis.schema.ResourceSample;
import io.hormesis.schema.Signal;
import io.hormesis.schema.SignalKind;
import io.hormesis.stats.control.ControlInput;
import io.hormesis.stats.control.ControlOutput;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Closes the loop over Kafka: steps a {@link SimulatedDeployment} in simulated time, produces what
 * it reports as the records the CONTROL job reads (InferenceEvents, ResourceSamples, ModelEvents,
 * CommandOutcomes, Avro single-object encoding, keyed by deployment, timestamped with their event
 * time), consumes the {@code commands} topic read_committed, verifies every command ({@link
 * CommandVerifier}: forged, replayed and expired ones are counted and not applied) and applies the
 * accepted ones to the deployment.
 *
 * <p>Inference events are produced per telemetry interval: the twin reports an interval's request
 * count, errors and a sample of its latencies and scores, and the simulation turns them into that
 * many requests spread over the interval. Records are held until their interval closes and then
 * produced in event-time order, so the stream is in order up to chaos.
 *
 * <p>Chaos (optional) adds what a real fleet does to a control loop: malformed records (random
 * bytes, truncated bodies), duplicates, late records (held back 30 simulated seconds), swapped
 * neighbours (out of order), and on the command topic a forged copy, a replay and an expired
 * re-send of the first command it accepts. Not thread-safe; one run per instance.
 */
public final class KafkaSimulation {

    /** Where to produce and consume, and how. */
    public record Options(
            String bootstrapServers,
            String inferenceEventsTopic,
            String resourceSamplesTopic,
            String modelEventsTopic,
            String commandOutcomesTopic,
            String signalsTopic,
            String commandsTopic,
            double speedup,
            boolean chaos,
            long seed,
            Duration progressEvery,
            Duration drainAfter) {
        public Options {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            if (!(speedup >= 0) || Double.isInfinite(speedup)) {
                throw new IllegalArgumentException("speedup must be >= 0, got " + speedup);
            }
        }
    }

    /** A command as the simulated controller received it. */
    public record Received(
            Command command, CommandVerifier.Verdict verdict, long simulatedAt, long wallNanos) {}

    /** Progress, printed by the caller. */
    public record Progress(
            long simulatedTime,
            String liveVersion,
            int readyReplicas,
            long records,
            Map<CommandVerifier.Status, Long> verdicts) {}

    /** What a run did. */
    public record Result(
            long simulatedSeconds,
            long inferenceEvents,
            long otherRecords,
            long malformed,
            long duplicated,
            long late,
            long reordered,
            List<Received> commands,
            Map<CommandVerifier.Status, Long> verdicts,
            long undecodableCommands,
            double wallSeconds) {
        public long records() {
            return inferenceEvents + otherRecords + malformed + duplicated;
        }
    }

    private static final double CHAOS_RATE = 0.002;
    private static final long LATE_BY_MILLIS = 30_000;

    private final SimulatedDeployment deployment;
    private final CommandVerifier verifier;
    private final Options options;
    private final Random random;

    private final AvroCodec<InferenceEvent> events = AvroCodec.of(InferenceEvent.class);
    private final AvroCodec<ResourceSample> samples = AvroCodec.of(ResourceSample.class);
    private final AvroCodec<ModelEvent> modelEvents = AvroCodec.of(ModelEvent.class);
    private final AvroCodec<CommandOutcome> outcomes = AvroCodec.of(CommandOutcome.class);
    private final AvroCodec<Command> commands = AvroCodec.of(Command.class);
    private final AvroCodec<Signal> signals = AvroCodec.of(Signal.class);

    private final List<Out> held = new ArrayList<>();
    private final List<Out> lateHeld = new ArrayList<>();
    private final List<Received> received = new ArrayList<>();
    private final List<Command> toExpire = new ArrayList<>();
    private boolean adversaryDone;
    private long sequence;
    private long inferenceCount;
    private long otherCount;
    private long malformedCount;
    private long duplicatedCount;
    private long lateCount;
    private long reorderedCount;
    private long undecodable;

    private record Out(String topic, long time, byte[] value) {}

    public KafkaSimulation(
            SimulatedDeployment deployment, CommandVerifier verifier, Options options) {
        this.deployment = Objects.requireNonNull(deployment, "deployment");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.options = Objects.requireNonNull(options, "options");
        this.random = new Random(options.seed());
    }

    /**
     * A record as it would be produced: topic, event time (the Kafka timestamp), key, Avro bytes.
     */
    public record Produced(String topic, long eventTime, String key, byte[] value) {}

    /**
     * Steps the deployment to its end with no controller in the loop (no command is applied, so no
     * outcome is reported) and returns every record it reports, in event-time order and without
     * chaos: a known, finite stream that can be replayed and fed to an oracle. Nothing is produced.
     */
    public List<Produced> openLoop() {
        while (!deployment.finished()) {
            collect(deployment.step());
        }
        List<Out> all = new ArrayList<>(held);
        held.clear();
        all.sort(Comparator.comparingLong(Out::time));
        List<Produced> out = new ArrayList<>(all.size());
        for (Out o : all) {
            out.add(new Produced(o.topic(), o.time(), deployment.deployment(), o.value()));
        }
        return out;
    }

    /** Runs the deployment to its end, then listens {@code drainAfter} longer for commands. */
    public Result run(Consumer<Progress> progress) throws InterruptedException {
        long wallStart = System.nanoTime();
        long simStart = deployment.now();
        long nextProgress = simStart;
        try (KafkaProducer<byte[], byte[]> producer =
                        io.hormesis.jobs.kafka.ByteProducers.create(options.bootstrapServers());
                KafkaConsumer<byte[], byte[]> consumer = commandConsumer()) {
            SimulatedDeployment.Step last = null;
            while (!deployment.finished()) {
                long now = deployment.now();
                pollCommands(consumer, producer, waitNanos(wallStart, simStart, now), now);
                SimulatedDeployment.Step step = deployment.step();
                last = step;
                collect(step);
                if (step.telemetry() != null) {
                    flush(producer, step.time());
                }
                if (options.progressEvery() != null && step.time() >= nextProgress) {
                    progress.accept(progress(step));
                    nextProgress = step.time() + options.progressEvery().toMillis();
                }
            }
            long end = deployment.now();
            flush(producer, Long.MAX_VALUE);
            lateHeld.forEach(o -> send(producer, o));
            lateHeld.clear();
            producer.flush();
            long drainUntil =
                    System.nanoTime()
                            + (options.drainAfter() == null ? 0 : options.drainAfter().toNanos());
            while (System.nanoTime() < drainUntil) {
                pollCommands(consumer, producer, drainUntil - System.nanoTime(), end);
            }
            producer.flush();
            if (last != null && options.progressEvery() != null) {
                progress.accept(progress(last));
            }
            return new Result(
                    (end - simStart) / 1000,
                    inferenceCount,
                    otherCount,
                    malformedCount,
                    duplicatedCount,
                    lateCount,
                    reorderedCount,
                    List.copyOf(received),
                    verdicts(),
                    undecodable,
                    (System.nanoTime() - wallStart) / 1e9);
        }
    }

    private Progress progress(SimulatedDeployment.Step step) {
        return new Progress(
                step.time(),
                step.liveVersion(),
                step.readyReplicas(),
                inferenceCount + otherCount + malformedCount + duplicatedCount,
                verdicts());
    }

    private Map<CommandVerifier.Status, Long> verdicts() {
        return new EnumMap<>(verifier.counts());
    }

    /** Wall nanos until simulated time {@code now} is due at the speed-up (0: none). */
    private long waitNanos(long wallStart, long simStart, long now) {
        if (options.speedup() == 0) {
            return 0;
        }
        long due = (long) ((now - simStart) * 1e6 / options.speedup());
        return Math.max(0, due - (System.nanoTime() - wallStart));
    }

    private KafkaConsumer<byte[], byte[]> commandConsumer() {
        Properties props = new Properties();
        props.put("bootstrap.servers", options.bootstrapServers());
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
        List<PartitionInfo> partitions =
                consumer.partitionsFor(options.commandsTopic(), Duration.ofSeconds(30));
        if (partitions == null || partitions.isEmpty()) {
            consumer.close();
            throw new IllegalArgumentException(
                    "topic '" + options.commandsTopic() + "' does not exist on the broker");
        }
        List<TopicPartition> assigned = new ArrayList<>();
        for (PartitionInfo p : partitions) {
            assigned.add(new TopicPartition(p.topic(), p.partition()));
        }
        consumer.assign(assigned);
        // Commands from before this run are not for this fleet: start at the end, now.
        consumer.seekToEnd(assigned);
        for (TopicPartition tp : assigned) {
            consumer.position(tp);
        }
        return consumer;
    }

    private void pollCommands(
            KafkaConsumer<byte[], byte[]> consumer,
            KafkaProducer<byte[], byte[]> producer,
            long waitNanos,
            long now) {
        var records = consumer.poll(Duration.ofNanos(Math.max(0, waitNanos)));
        for (ConsumerRecord<byte[], byte[]> r : records) {
            Command command;
            try {
                command = commands.decode(r.value());
            } catch (DecodeException e) {
                undecodable++;
                continue;
            }
            CommandVerifier.Verdict verdict = verifier.verify(command, Instant.ofEpochMilli(now));
            received.add(new Received(command, verdict, now, System.nanoTime()));
            if (verdict.accepted()) {
                deployment.apply(toControl(command));
                if (options.chaos() && !adversaryDone) {
                    adversaryDone = true;
                    adversary(producer, command);
                }
            }
        }
        for (var it = toExpire.iterator(); it.hasNext(); ) {
            Command c = it.next();
            if (now > c.getExpiresAt().toEpochMilli()) {
                produceCommand(producer, c);
                it.remove();
            }
        }
    }

    /** A forged copy and a replay now, and the same command again once it has expired. */
    private void adversary(KafkaProducer<byte[], byte[]> producer, Command real) {
        Command.Builder forged = Command.newBuilder(real).setReason(real.getReason() + " (forged)");
        if (real.getScale() != null) {
            forged.setScale(
                    io.hormesis.schema.ScaleAction.newBuilder(real.getScale())
                            .setTargetReplicas(real.getScale().getTargetReplicas() + 10)
                            .build());
        }
        produceCommand(producer, forged.build());
        produceCommand(producer, real);
        toExpire.add(real);
    }

    private void produceCommand(KafkaProducer<byte[], byte[]> producer, Command c) {
        producer.send(
                new ProducerRecord<>(
                        options.commandsTopic(),
                        null,
                        c.getIssuedAt().toEpochMilli(),
                        c.getDeployment().getBytes(StandardCharsets.UTF_8),
                        commands.encode(c)));
    }

    /** Turns a step's reports into records, held until the interval closes. */
    private void collect(SimulatedDeployment.Step step) {
        String name = deployment.deployment();
        if (step.telemetry() != null) {
            requests(step.telemetry(), step.readyReplicas());
        }
        if (step.resources() != null) {
            ControlInput.Resources r = step.resources();
            held.add(
                    new Out(
                            options.resourceSamplesTopic(),
                            r.eventTime(),
                            samples.encode(
                                    ResourceSample.newBuilder()
                                            .setDeployment(name)
                                            .setReplica("controller")
                                            .setEventTime(Instant.ofEpochMilli(r.eventTime()))
                                            .setGpuUtilization(
                                                    Double.isNaN(r.gpuUtilization())
                                                            ? 0.0
                                                            : r.gpuUtilization())
                                            .setGpuMemoryUsedMiB(0)
                                            .setQueueDepth(0)
                                            .setReadyReplicas(r.readyReplicas())
                                            .build())));
        }
        for (ControlInput.ModelEvent e : step.modelEvents()) {
            held.add(
                    new Out(
                            options.modelEventsTopic(),
                            e.eventTime(),
                            modelEvents.encode(
                                    ModelEvent.newBuilder()
                                            .setEventId("me-" + name + "-" + (sequence++))
                                            .setKind(ModelEventKind.valueOf(e.kind().name()))
                                            .setDeployment(name)
                                            .setModelName(e.modelName())
                                            .setModelVersion(e.version())
                                            .setPreviousVersion(e.previousVersion())
                                            .setTrainingBatchIds(List.of())
                                            .setEventTime(Instant.ofEpochMilli(e.eventTime()))
                                            .build())));
        }
        for (ControlInput.Signal s : step.signals()) {
            held.add(new Out(options.signalsTopic(), s.eventTime(), signals.encode(signal(s))));
        }
        for (ControlInput.Outcome o : step.outcomes()) {
            held.add(
                    new Out(
                            options.commandOutcomesTopic(),
                            o.eventTime(),
                            outcomes.encode(
                                    CommandOutcome.newBuilder()
                                            .setCommandId(o.commandId())
                                            .setDeployment(name)
                                            .setStatus(OutcomeStatus.valueOf(o.status().name()))
                                            .setEventTime(Instant.ofEpochMilli(o.eventTime()))
                                            .setDetail(o.detail())
                                            .setObserved(o.observed())
                                            .build())));
        }
    }

    /** A signal as WATCH would raise it: the twin knows the drift it injected. */
    private Signal signal(ControlInput.Signal s) {
        Instant at = Instant.ofEpochMilli(s.eventTime());
        return Signal.newBuilder()
                .setSignalId(s.signalId())
                .setKind(SignalKind.valueOf(s.kind().name()))
                .setDeployment(deployment.deployment())
                .setModelName(deployment.modelName())
                .setModelVersion(s.modelVersion() == null ? "" : s.modelVersion())
                .setSignalName(s.signalName())
                .setEventTime(at)
                .setValue(1.0)
                .setScore(1.0)
                .setReason("simulated " + s.kind() + " of " + s.signalName())
                .setEvidence(
                        Evidence.newBuilder()
                                .setDetector("simulator")
                                .setStatistic("injected")
                                .setStatisticValue(1.0)
                                .setThreshold(0.0)
                                .setWindowStart(at)
                                .setWindowEnd(at)
                                .setWindowCount(0)
                                .build())
                .build();
    }

    /** The interval's requests, spread evenly over it, with its errors, latencies and scores. */
    private void requests(ControlInput.Telemetry t, int ready) {
        long n = t.requests();
        long start = t.eventTime() - t.intervalMillis();
        double[] latencies = t.latencySamples();
        double[] scores = t.scoreSamples();
        long errorEvery = t.errors() > 0 ? Math.max(1, n / t.errors()) : Long.MAX_VALUE;
        long errors = 0;
        for (long i = 0; i < n; i++) {
            long time = start + (long) ((i + 0.5) * t.intervalMillis() / n);
            boolean error = errors < t.errors() && i % errorEvery == 0;
            if (error) {
                errors++;
            }
            double latency =
                    latencies.length > 0
                            ? latencies[(int) (i % latencies.length)]
                            : t.p95LatencyMillis();
            InferenceEvent e =
                    InferenceEvent.newBuilder()
                            .setRequestId(deployment.deployment() + "-" + (sequence++))
                            .setDeployment(deployment.deployment())
                            .setModelName(
                                    t.modelName().isEmpty()
                                            ? deployment.modelName()
                                            : t.modelName())
                            .setModelVersion(t.modelVersion())
                            .setReplica("replica-" + (i % Math.max(1, ready)))
                            .setEventTime(Instant.ofEpochMilli(time))
                            .setLatencyMs(Math.max(0.0, latency))
                            .setTtftMs(null)
                            .setTokensIn(200)
                            .setTokensOut(100)
                            .setStatus(error ? InferenceStatus.ERROR : InferenceStatus.OK)
                            .setPredictionScore(
                                    scores.length > 0 ? scores[(int) (i % scores.length)] : null)
                            .setFeatures(Map.of())
                            .build();
            held.add(new Out(options.inferenceEventsTopic(), time, events.encode(e)));
        }
    }

    /** Produces everything held up to {@code until}, in event-time order, with chaos if asked. */
    private void flush(KafkaProducer<byte[], byte[]> producer, long until) {
        List<Out> due = new ArrayList<>();
        for (var it = held.iterator(); it.hasNext(); ) {
            Out o = it.next();
            if (o.time() <= until) {
                due.add(o);
                it.remove();
            }
        }
        due.sort(Comparator.comparingLong(Out::time));
        for (var it = lateHeld.iterator(); it.hasNext(); ) {
            Out o = it.next();
            if (o.time() + LATE_BY_MILLIS <= until) {
                send(producer, o);
                it.remove();
            }
        }
        for (int i = 0; i < due.size(); i++) {
            Out o = due.get(i);
            if (options.chaos() && o.topic().equals(options.inferenceEventsTopic())) {
                double u = random.nextDouble();
                if (u < CHAOS_RATE) {
                    malformed(producer, o);
                } else if (u < 2 * CHAOS_RATE) {
                    send(producer, o);
                    duplicatedCount++;
                } else if (u < 3 * CHAOS_RATE) {
                    lateHeld.add(o);
                    lateCount++;
                    continue;
                } else if (u < 4 * CHAOS_RATE && i + 1 < due.size()) {
                    send(producer, due.get(i + 1));
                    send(producer, o);
                    reorderedCount++;
                    i++;
                    continue;
                }
            }
            send(producer, o);
        }
    }

    private void malformed(KafkaProducer<byte[], byte[]> producer, Out template) {
        byte[] bad;
        if (random.nextBoolean()) {
            bad = Arrays.copyOf(template.value(), Math.max(1, template.value().length / 3));
        } else {
            bad = new byte[32];
            random.nextBytes(bad);
            bad[0] = 0x7B;
        }
        producer.send(
                new ProducerRecord<>(
                        template.topic(),
                        null,
                        template.time(),
                        deployment.deployment().getBytes(StandardCharsets.UTF_8),
                        bad));
        malformedCount++;
    }

    private void send(KafkaProducer<byte[], byte[]> producer, Out o) {
        producer.send(
                new ProducerRecord<>(
                        o.topic(),
                        null,
                        o.time(),
                        deployment.deployment().getBytes(StandardCharsets.UTF_8),
                        o.value()));
        if (o.topic().equals(options.inferenceEventsTopic())) {
            inferenceCount++;
        } else {
            otherCount++;
        }
    }

    /** The controller-side form of an Avro command, for the deployment to apply. */
    static ControlOutput.Command toControl(Command c) {
        ControlOutput.ScaleAction scale =
                c.getScale() == null
                        ? null
                        : new ControlOutput.ScaleAction(
                                c.getScale().getFromReplicas(),
                                c.getScale().getTargetReplicas(),
                                c.getScale().getForecastRate() == null
                                        ? Double.NaN
                                        : c.getScale().getForecastRate(),
                                c.getScale().getCapacityPerReplica() == null
                                        ? Double.NaN
                                        : c.getScale().getCapacityPerReplica());
        ControlOutput.RollbackAction rollback =
                c.getRollback() == null
                        ? null
                        : new ControlOutput.RollbackAction(
                                c.getRollback().getFromVersion(), c.getRollback().getToVersion());
        ControlOutput.RetrainAction retrain =
                c.getRetrain() == null
                        ? null
                        : new ControlOutput.RetrainAction(
                                c.getRetrain().getDriftedFeatures(),
                                c.getRetrain().getReferenceStart().toEpochMilli(),
                                c.getRetrain().getReferenceEnd().toEpochMilli(),
                                c.getRetrain().getCurrentStart().toEpochMilli(),
                                c.getRetrain().getCurrentEnd().toEpochMilli());
        return new ControlOutput.Command(
                c.getCommandId(),
                ControlOutput.CommandKind.valueOf(c.getKind().name()),
                c.getDeployment(),
                c.getModelName(),
                c.getIssuedAt().toEpochMilli(),
                c.getExpiresAt().toEpochMilli(),
                c.getReason(),
                c.getSignalIds(),
                scale,
                rollback,
                retrain);
    }
}
