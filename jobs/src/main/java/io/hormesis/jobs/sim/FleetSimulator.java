package io.hormesis.jobs.sim;

import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.GroundTruth;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.InferenceStatus;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * A tiny, deterministic fleet: two LLM deployments serving a steady request stream, one of which
 * suffers a decode slowdown part way through, plus a handful of malformed records of every kind the
 * decoder must reject. The same seed gives the same records, byte for byte.
 */
public final class FleetSimulator {

    /** A deployment of the simulated fleet. */
    record Deployment(
            String name,
            String model,
            String version,
            int replicas,
            double ttftMs,
            double perTokenMs,
            boolean regresses) {}

    static final List<Deployment> FLEET =
            List.of(
                    new Deployment("chat-llm", "llama-chat", "v7", 2, 80, 6.0, true),
                    new Deployment("code-llm", "starcoder", "v3", 2, 40, 3.0, false));

    /** What to simulate. */
    public record Scenario(
            Instant start,
            Duration duration,
            double requestsPerSecondPerDeployment,
            Duration regressionAt,
            double regressionFactor,
            long seed) {
        public Scenario {
            if (!(requestsPerSecondPerDeployment > 0)) {
                throw new IllegalArgumentException("request rate must be > 0");
            }
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("duration must be positive");
            }
            if (!(regressionFactor >= 1)) {
                throw new IllegalArgumentException("regression factor must be >= 1");
            }
        }

        /** {@link #demo} starting ten minutes ago (whole minute): event times in the past. */
        public static Scenario demoRecent() {
            return demo(
                    Instant.now()
                            .truncatedTo(java.time.temporal.ChronoUnit.MINUTES)
                            .minus(Duration.ofMinutes(10)));
        }

        /** Four minutes at 10 requests/s per deployment; decode 3.5x slower from minute 2.5. */
        public static Scenario demo(Instant start) {
            return new Scenario(
                    start, Duration.ofMinutes(4), 10, Duration.ofSeconds(150), 3.5, 20261122L);
        }
    }

    /** One record to produce, with what it is meant to be. */
    public record SimRecord(Instant eventTime, String key, byte[] value, String kind) {}

    /** Kinds of malformed record, one of each, and the dead-letter reason each must get. */
    public static final Map<String, String> MALFORMED_KINDS =
            Map.of(
                    "truncated", "TRUNCATED",
                    "random-bytes", "BAD_HEADER",
                    "wrong-schema", "UNKNOWN_SCHEMA",
                    "empty", "EMPTY",
                    "negative-latency", "INVALID");

    /** The kind of a well-formed inference event. */
    public static final String VALID = "event";

    private final Scenario scenario;

    public FleetSimulator(Scenario scenario) {
        this.scenario = scenario;
    }

    public Scenario scenario() {
        return scenario;
    }

    /** Every record of the scenario in event-time order. */
    public List<SimRecord> records() {
        Random random = new Random(scenario.seed());
        AvroCodec<InferenceEvent> codec = AvroCodec.of(InferenceEvent.class);
        long stepMicros = Math.round(1_000_000 / scenario.requestsPerSecondPerDeployment());
        long durationMicros = scenario.duration().toNanos() / 1_000;
        long regressionMicros = scenario.regressionAt().toNanos() / 1_000;
        List<SimRecord> records = new ArrayList<>();
        int sequence = 0;
        for (long t = 0; t < durationMicros; t += stepMicros) {
            for (Deployment d : FLEET) {
                Instant time = scenario.start().plusNanos(t * 1_000);
                boolean slow = d.regresses() && t >= regressionMicros;
                InferenceEvent event = event(d, time, sequence++, slow, random);
                records.add(new SimRecord(time, d.name(), codec.encode(event), VALID));
            }
        }
        insertMalformed(records, codec, random);
        return records;
    }

    private InferenceEvent event(
            Deployment d, Instant time, int sequence, boolean slow, Random random) {
        int tokensIn = 200 + random.nextInt(600);
        int tokensOut = 50 + random.nextInt(101);
        double ttft = d.ttftMs() * Math.exp(0.1 * random.nextGaussian());
        double perToken =
                d.perTokenMs()
                        * (slow ? scenario.regressionFactor() : 1.0)
                        * Math.exp(0.08 * random.nextGaussian());
        boolean error = random.nextDouble() < 0.01;
        return InferenceEvent.newBuilder()
                .setRequestId(String.format("%s-%06d", d.name(), sequence))
                .setDeployment(d.name())
                .setModelName(d.model())
                .setModelVersion(d.version())
                .setReplica("replica-" + (sequence % d.replicas()))
                .setEventTime(time)
                .setLatencyMs(round(ttft + tokensOut * perToken))
                .setTtftMs(round(ttft))
                .setTokensIn(tokensIn)
                .setTokensOut(tokensOut)
                .setStatus(error ? InferenceStatus.ERROR : InferenceStatus.OK)
                .setPredictionScore(null)
                .setFeatures(Map.of("tokens_in", (double) tokensIn))
                .build();
    }

    private static double round(double ms) {
        return Math.round(ms * 10) / 10.0;
    }

    /** Spreads one malformed record of each kind through the first half of the run. */
    private void insertMalformed(
            List<SimRecord> records, AvroCodec<InferenceEvent> codec, Random random) {
        SimRecord template = records.get(0);
        InferenceEvent valid;
        try {
            valid = codec.decode(template.value());
        } catch (io.hormesis.schema.DecodeException e) {
            throw new IllegalStateException("the simulator's own record does not decode", e);
        }
        byte[] randomBytes = new byte[48];
        random.nextBytes(randomBytes);
        randomBytes[0] = 0x7B; // never the single-object marker
        InferenceEvent negative =
                InferenceEvent.newBuilder(valid)
                        .setRequestId("bad-latency")
                        .setLatencyMs(-5)
                        .build();
        byte[] wrongSchema =
                AvroCodec.of(GroundTruth.class)
                        .encode(new GroundTruth("req-x", "positive", scenario.start()));
        List<Object[]> bad =
                List.of(
                        new Object[] {"truncated", Arrays.copyOf(template.value(), 25)},
                        new Object[] {"random-bytes", randomBytes},
                        new Object[] {"wrong-schema", wrongSchema},
                        new Object[] {"empty", new byte[0]},
                        new Object[] {"negative-latency", codec.encode(negative)});
        int n = records.size();
        for (int i = 0; i < bad.size(); i++) {
            int at = (int) ((long) n * (i + 1) / (2L * (bad.size() + 1)));
            SimRecord neighbour = records.get(at);
            records.add(
                    at,
                    new SimRecord(
                            neighbour.eventTime(),
                            neighbour.key(),
                            (byte[]) bad.get(i)[1],
                            (String) bad.get(i)[0]));
        }
    }

    /** Progress of {@link #produce}. */
    public record Progress(int produced, int total, Instant eventTime) {}

    /**
     * Produces the records in order, pacing them so that {@code speedup} seconds of event time pass
     * per second of wall time ({@code 0} means as fast as possible), and flushes at the end.
     *
     * @return how many records were produced
     */
    public int produce(
            Producer<byte[], byte[]> producer,
            String topic,
            double speedup,
            Duration progressEvery,
            Consumer<Progress> progress)
            throws InterruptedException, ExecutionException {
        List<SimRecord> records = records();
        long wallStart = System.nanoTime();
        Instant nextProgress = scenario.start().plus(progressEvery);
        int produced = 0;
        for (SimRecord r : records) {
            if (speedup > 0) {
                long due =
                        (long)
                                (Duration.between(scenario.start(), r.eventTime()).toNanos()
                                        / speedup);
                long wait = due - (System.nanoTime() - wallStart);
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            producer.send(
                    new ProducerRecord<>(
                            topic,
                            null,
                            r.eventTime().toEpochMilli(),
                            r.key().getBytes(StandardCharsets.UTF_8),
                            r.value()));
            produced++;
            if (!r.eventTime().isBefore(nextProgress)) {
                progress.accept(new Progress(produced, records.size(), r.eventTime()));
                nextProgress = nextProgress.plus(progressEvery);
            }
        }
        producer.flush();
        progress.accept(
                new Progress(
                        produced, records.size(), records.get(records.size() - 1).eventTime()));
        return produced;
    }
}
