package io.hormesis.jobs.testutils;

import org.apache.flink.configuration.Configuration;

import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.control.CommandVerifier;
import io.hormesis.jobs.control.ControlRecord;
import io.hormesis.jobs.demo.LocalStack;
import io.hormesis.jobs.sim.twin.ArrivalTrace;
import io.hormesis.jobs.sim.twin.DeploymentTwin;
import io.hormesis.jobs.sim.twin.TwinScenario;
import io.hormesis.jobs.simulate.KafkaSimulation;
import io.hormesis.jobs.simulate.KafkaSimulation.Produced;
import io.hormesis.jobs.simulate.TwinDeployment;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.CommandOutcome;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.ModelEvent;
import io.hormesis.schema.ResourceSample;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A known, finite stream from the fleet twin: one {@link DeploymentTwin} per scenario (renamed so
 * each is its own deployment), stepped open loop (no command is applied) by {@link
 * KafkaSimulation#openLoop}, merged in event-time order, with malformed inference events spread
 * evenly, and closed by a fence: one resource sample and one request per deployment {@code
 * fenceAfter} past the end, so that the watermark of every partition CONTROL reads, and so its own,
 * passes every tick of the stream proper. Deterministic for a seed.
 */
public final class TwinFleet {
    /** A record of the stream; {@code kind} is "event" or the malformed kind. */
    public record FleetRecord(String topic, long eventTime, String key, byte[] value, String kind) {
        public boolean malformed() {
            return !kind.equals("event");
        }
    }

    private final List<FleetRecord> records;
    private final List<String> deployments;

    /**
     * @param scenarios one deployment per scenario ({@link TwinScenario#NAMES}), named {@code
     *     twin-<i>-<scenario>}
     */
    public TwinFleet(
            Configuration config,
            Instant start,
            int seconds,
            List<String> scenarios,
            double requestsPerSecond,
            int malformed,
            Duration fenceAfter,
            long seed) {
        KafkaSimulation.Options options =
                new KafkaSimulation.Options(
                        "127.0.0.1:1",
                        config.get(HormesisOptions.TOPIC_INFERENCE_EVENTS),
                        config.get(HormesisOptions.TOPIC_RESOURCE_SAMPLES),
                        config.get(HormesisOptions.TOPIC_MODEL_EVENTS),
                        config.get(HormesisOptions.TOPIC_COMMAND_OUTCOMES),
                        config.get(HormesisOptions.TOPIC_SIGNALS),
                        config.get(HormesisOptions.TOPIC_COMMANDS),
                        0,
                        false,
                        seed,
                        null,
                        Duration.ZERO);
        String samplesTopic = config.get(HormesisOptions.TOPIC_RESOURCE_SAMPLES);
        String eventsTopic = config.get(HormesisOptions.TOPIC_INFERENCE_EVENTS);
        AvroCodec<ResourceSample> samples = AvroCodec.of(ResourceSample.class);
        List<FleetRecord> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        AvroCodec<InferenceEvent> eventCodec = AvroCodec.of(InferenceEvent.class);
        Map<String, ResourceSample> lastSample = new HashMap<>();
        Map<String, InferenceEvent> lastEvent = new HashMap<>();
        long end = start.toEpochMilli() + seconds * 1000L;
        for (int i = 0; i < scenarios.size(); i++) {
            String scenario = scenarios.get(i);
            long s = seed + i;
            ArrivalTrace trace = ArrivalTrace.synthetic(seconds, requestsPerSecond, 0.1, 600);
            DeploymentTwin.Spec spec =
                    TwinDeployment.create(scenario, seconds, trace, start.toEpochMilli(), s)
                            .twin()
                            .spec();
            String name = "twin-" + i + "-" + scenario;
            DeploymentTwin.Spec renamed =
                    new DeploymentTwin.Spec(
                            name,
                            spec.model(),
                            spec.initialReplicas(),
                            spec.slots(),
                            spec.serviceMeanMillis(),
                            spec.warmupMillis(),
                            spec.warmupJitter(),
                            spec.sloMillis(),
                            spec.timeoutMillis(),
                            spec.good(),
                            spec.bad());
            TwinDeployment twin =
                    new TwinDeployment(
                            new DeploymentTwin(
                                    renamed,
                                    trace,
                                    TwinScenario.of(scenario, seconds, s),
                                    start.toEpochMilli(),
                                    s));
            KafkaSimulation simulation =
                    new KafkaSimulation(
                            twin, CommandVerifier.of("k1", LocalStack.DEMO_SIGNING_KEY), options);
            for (Produced p : simulation.openLoop()) {
                if (p.topic().equals(options.signalsTopic())) {
                    // The twin's own signals (drift it injected) would stand in for WATCH's.
                    throw new IllegalArgumentException(
                            "scenario " + scenario + " reports signals; pick one without drift");
                }
                out.add(new FleetRecord(p.topic(), p.eventTime(), p.key(), p.value(), "event"));
                if (p.topic().equals(samplesTopic)) {
                    lastSample.put(name, decode(samples, p.value()));
                } else if (p.topic().equals(eventsTopic)) {
                    lastEvent.put(name, decode(eventCodec, p.value()));
                }
            }
            names.add(name);
        }
        out.sort(Comparator.comparingLong(FleetRecord::eventTime));

        Random random = new Random(seed);
        List<String> kinds = List.of("truncated", "random-bytes", "empty");
        int n = out.size();
        List<Integer> eventIndexes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (out.get(i).topic().equals(eventsTopic)) {
                eventIndexes.add(i);
            }
        }
        List<FleetRecord> withMalformed = new ArrayList<>(out);
        for (int i = malformed - 1; i >= 0; i--) {
            int at =
                    eventIndexes.get(
                            (int) ((long) eventIndexes.size() * (i + 1) / (malformed + 1)));
            FleetRecord neighbour = out.get(at);
            String kind = kinds.get(i % kinds.size());
            byte[] value;
            if (kind.equals("truncated")) {
                value = Arrays.copyOf(neighbour.value(), 25);
            } else if (kind.equals("random-bytes")) {
                value = new byte[40];
                random.nextBytes(value);
                value[0] = 0x7B;
            } else {
                value = new byte[0];
            }
            withMalformed.add(
                    at,
                    new FleetRecord(
                            eventsTopic, neighbour.eventTime(), neighbour.key(), value, kind));
        }
        long fence = end + fenceAfter.toMillis();
        for (String name : names) {
            ResourceSample last = lastSample.get(name);
            ResourceSample sample =
                    ResourceSample.newBuilder(last)
                            .setEventTime(Instant.ofEpochMilli(fence))
                            .build();
            withMalformed.add(
                    new FleetRecord(samplesTopic, fence, name, samples.encode(sample), "event"));
            // And one request: every partition has its own watermark, so each partition with
            // the deployment's requests needs a record past the end too.
            InferenceEvent last2 = lastEvent.get(name);
            InferenceEvent request =
                    InferenceEvent.newBuilder(last2)
                            .setRequestId(last2.getRequestId() + "-fence")
                            .setEventTime(Instant.ofEpochMilli(fence))
                            .build();
            withMalformed.add(
                    new FleetRecord(eventsTopic, fence, name, eventCodec.encode(request), "event"));
        }
        this.records = List.copyOf(withMalformed);
        this.deployments = List.copyOf(names);
    }

    /** Start of the fault stream's event time. */
    public static final Instant FAULT_START = Instant.parse("2026-01-15T14:00:00Z");

    /** Simulated seconds of the fault stream. */
    public static final int FAULT_SECONDS = 240;

    /**
     * CONTROL's out-of-orderness in the fault test: longer than the event time a restarted job
     * re-reads from its last checkpoint (the stream waits while the jobs recover).
     */
    public static final Duration FAULT_OUT_OF_ORDERNESS = Duration.ofSeconds(60);

    /**
     * The settings the fault test runs CONTROL with (and computes its oracle with): the twin's SLO
     * (p95 4 s) and capacity (4 req/s a replica), commands that expire after 30 s (no outcome comes
     * back open loop, so each command expires, is escalated and the next can follow).
     */
    public static Map<String, String> faultSettings() {
        return Map.of(
                HormesisOptions.CONTROL_SLO_MS.key(), "4000",
                HormesisOptions.CONTROL_PRIOR_CAPACITY.key(), "4",
                HormesisOptions.CONTROL_PRIOR_WARMUP.key(), "30s",
                HormesisOptions.CONTROL_COMMAND_TTL.key(), "30s",
                HormesisOptions.CONTROL_MAX_OUT_OF_ORDERNESS.key(),
                        FAULT_OUT_OF_ORDERNESS.toSeconds() + "s",
                HormesisOptions.CONTROL_SIGNING_KEY.key(), LocalStack.DEMO_SIGNING_KEY);
    }

    /**
     * The fault test's fleet: two surges, a bad deploy and a replica crash over 4 simulated
     * minutes, 30 malformed records, the fence past the out-of-orderness and two ticks.
     */
    public static TwinFleet faultFleet(Configuration config) {
        return new TwinFleet(
                config,
                FAULT_START,
                FAULT_SECONDS,
                List.of("surge", "bad-deploy", "surge", "replica-crash"),
                8.0,
                30,
                FAULT_OUT_OF_ORDERNESS.plusSeconds(20),
                6L);
    }

    public List<FleetRecord> records() {
        return records;
    }

    public List<String> deployments() {
        return deployments;
    }

    public long malformed() {
        return records.stream().filter(FleetRecord::malformed).count();
    }

    /** The well-formed records as the CONTROL job reads them, in stream order. */
    public List<ControlRecord> controlRecords(Configuration config) {
        AvroCodec<InferenceEvent> events = AvroCodec.of(InferenceEvent.class);
        AvroCodec<ResourceSample> samples = AvroCodec.of(ResourceSample.class);
        AvroCodec<ModelEvent> modelEvents = AvroCodec.of(ModelEvent.class);
        AvroCodec<CommandOutcome> outcomes = AvroCodec.of(CommandOutcome.class);
        List<ControlRecord> out = new ArrayList<>();
        for (FleetRecord r : records) {
            if (r.malformed()) {
                continue;
            }
            String t = r.topic();
            if (t.equals(config.get(HormesisOptions.TOPIC_INFERENCE_EVENTS))) {
                out.add(ControlRecord.of(decode(events, r.value())));
            } else if (t.equals(config.get(HormesisOptions.TOPIC_RESOURCE_SAMPLES))) {
                out.add(ControlRecord.of(decode(samples, r.value())));
            } else if (t.equals(config.get(HormesisOptions.TOPIC_MODEL_EVENTS))) {
                out.add(ControlRecord.of(decode(modelEvents, r.value())));
            } else if (t.equals(config.get(HormesisOptions.TOPIC_COMMAND_OUTCOMES))) {
                out.add(ControlRecord.of(decode(outcomes, r.value())));
            } else {
                throw new IllegalStateException("unexpected topic " + t);
            }
        }
        return out;
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> T decode(
            AvroCodec<T> codec, byte[] value) {
        try {
            return codec.decode(value);
        } catch (io.hormesis.schema.DecodeException e) {
            throw new IllegalStateException("the twin produced an undecodable record", e);
        }
    }
}
