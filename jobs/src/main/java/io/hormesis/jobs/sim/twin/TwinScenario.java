package io.hormesis.jobs.sim.twin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * What happens to the twin's deployment, second by second: load surges, a bad deploy, feature
 * drift, replica crashes. {@link #of} builds the named scenarios; {@code chaos} draws the others at
 * random from its seed.
 */
public record TwinScenario(String name, int durationSeconds, List<Event> events) {

    /** The scenario names {@link #of} knows. */
    public static final List<String> NAMES =
            List.of(
                    "surge",
                    "repeated-surges",
                    "bad-deploy",
                    "feature-drift",
                    "replica-crash",
                    "chaos");

    public TwinScenario {
        if (durationSeconds < 60) {
            throw new IllegalArgumentException("a scenario lasts at least 60 s");
        }
        events = List.copyOf(events);
    }

    /** Something that happens at {@code atSecond}. */
    public sealed interface Event permits Surge, BadDeploy, Drift, Crash {
        int atSecond();
    }

    /** Load rises linearly to {@code factor} x over {@code rampSeconds}, holds, falls back. */
    public record Surge(int atSecond, int rampSeconds, int holdSeconds, double factor)
            implements Event {
        public int endSecond() {
            return atSecond + 2 * rampSeconds + holdSeconds;
        }

        double factorAt(long s) {
            if (s < atSecond || s >= endSecond()) {
                return 1.0;
            }
            long t = s - atSecond;
            if (t < rampSeconds) {
                return 1 + (factor - 1) * t / rampSeconds;
            }
            if (t < rampSeconds + holdSeconds) {
                return factor;
            }
            return 1 + (factor - 1) * (endSecond() - s) / rampSeconds;
        }
    }

    /** A worse version is deployed. */
    public record BadDeploy(int atSecond) implements Event {}

    /** Input features drift from {@code atSecond} until {@code endSecond}. */
    public record Drift(int atSecond, int endSecond, List<String> features) implements Event {
        public Drift {
            features = List.copyOf(features);
        }
    }

    /** A fraction of the ready replicas crash (and restart, warming up again). */
    public record Crash(int atSecond, double fraction) implements Event {}

    /** The load multiplier at second {@code s} (the product of the surges under way). */
    public double loadFactor(long s) {
        double f = 1.0;
        for (Event e : events) {
            if (e instanceof Surge surge) {
                f *= surge.factorAt(s);
            }
        }
        return f;
    }

    public List<Surge> surges() {
        List<Surge> out = new ArrayList<>();
        for (Event e : events) {
            if (e instanceof Surge s) {
                out.add(s);
            }
        }
        return out;
    }

    public boolean hasBadDeploy() {
        return events.stream().anyMatch(e -> e instanceof BadDeploy);
    }

    static final List<String> DRIFT_FEATURES = List.of("context_tokens", "generated_tokens");

    /** The named scenario over {@code durationSeconds} (3,600 for the benchmark). */
    public static TwinScenario of(String name, int durationSeconds, long seed) {
        int d = durationSeconds;
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
        List<Event> events = new ArrayList<>();
        switch (n) {
            case "surge" -> events.add(surge(d / 3));
            case "repeated-surges" -> {
                events.add(surge(d / 6));
                events.add(surge(d / 6 + d / 4));
                events.add(surge(d / 6 + d / 2));
            }
            case "bad-deploy" -> events.add(new BadDeploy(d / 3));
            case "feature-drift" -> events.add(new Drift(d / 3, d - d / 6, DRIFT_FEATURES));
            case "replica-crash" -> events.add(new Crash(d / 3, 0.5));
            case "chaos" -> {
                Random r = new Random(seed ^ 0x6368616f73L);
                int slot = d / 6;
                // Six slots of d/6: the first is quiet (the policies warm up); the others get one
                // event each in a random order, at a random offset within the slot.
                List<Integer> kinds = new ArrayList<>(List.of(0, 0, 1, 2, 3));
                java.util.Collections.shuffle(kinds, r);
                for (int i = 0; i < kinds.size(); i++) {
                    int at = (i + 1) * slot + r.nextInt(Math.max(1, slot / 3));
                    switch (kinds.get(i)) {
                        case 0 -> events.add(surge(at));
                        case 1 -> events.add(new BadDeploy(at));
                        case 2 ->
                                events.add(
                                        new Drift(
                                                at,
                                                Math.min(d - 1, at + 2 * slot),
                                                DRIFT_FEATURES));
                        default -> events.add(new Crash(at, 0.3 + 0.4 * r.nextDouble()));
                    }
                }
            }
            default ->
                    throw new IllegalArgumentException(
                            "unknown scenario '" + name + "'; one of " + String.join(", ", NAMES));
        }
        events.sort(Comparator.comparingInt(Event::atSecond));
        return new TwinScenario(n, d, events);
    }

    /** The benchmark's surge: x3.5 over a 60 s ramp, held 5 minutes, 60 s back down. */
    static Surge surge(int at) {
        return new Surge(at, 60, 300, 3.5);
    }
}
