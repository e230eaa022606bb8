package io.hormesis.jobs.control;

import io.hormesis.schema.Command;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * What a GPU-cluster controller runs on every command before applying it: the signature must be by
 * a known key, the command must not have expired, and its id must not have been seen before. The
 * fleet simulator and the tests use it; a real controller would do the same.
 *
 * <p>A replay is remembered until the command's expiry (after that it would be rejected as expired
 * anyway), so memory is bounded by the commands alive at once; {@code maxRemembered} caps it
 * against a flood of long-lived forgeries, which never reach the memory because the signature is
 * checked first. Not thread-safe.
 */
public final class CommandVerifier {

    /** The verdict on one command. */
    public enum Status {
        ACCEPTED,
        /** Bad or missing signature, or a key id this verifier does not know. */
        FORGED,
        /** A command id seen before (the same command delivered twice, or replayed). */
        REPLAYED,
        /** Presented at or after its expiry. */
        EXPIRED
    }

    /** A verdict and why. */
    public record Verdict(Status status, String reason) {
        public boolean accepted() {
            return status == Status.ACCEPTED;
        }
    }

    private final Map<String, CommandSigner> keys;
    private final int maxRemembered;
    private final Set<String> seen = new HashSet<>();
    private final PriorityQueue<Seen> byExpiry =
            new PriorityQueue<>((a, b) -> Long.compare(a.expiresAtMillis(), b.expiresAtMillis()));
    private final Map<Status, Long> counts = new LinkedHashMap<>();

    private record Seen(String commandId, long expiresAtMillis) {}

    /**
     * @param keys signing secrets by key id (each at least 32 characters)
     * @param maxRemembered most command ids remembered for replay detection
     */
    public CommandVerifier(Map<String, String> keys, int maxRemembered) {
        if (keys == null || keys.isEmpty()) {
            throw new IllegalArgumentException("a verifier needs at least one signing key");
        }
        if (maxRemembered < 1) {
            throw new IllegalArgumentException("maxRemembered must be >= 1, got " + maxRemembered);
        }
        this.keys = new HashMap<>();
        keys.forEach((id, secret) -> this.keys.put(id, new CommandSigner(id, secret)));
        this.maxRemembered = maxRemembered;
        for (Status s : Status.values()) {
            counts.put(s, 0L);
        }
    }

    /** A verifier of one key, remembering up to 100,000 command ids. */
    public static CommandVerifier of(String keyId, String secret) {
        return new CommandVerifier(Map.of(keyId, secret), 100_000);
    }

    /**
     * Judges {@code command} presented at {@code now}; an accepted command's id is remembered, so
     * presenting it again is a replay.
     */
    public Verdict verify(Command command, Instant now) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(now, "now");
        Verdict verdict = judge(command, now);
        counts.merge(verdict.status(), 1L, Long::sum);
        return verdict;
    }

    private Verdict judge(Command command, Instant now) {
        forgetExpired(now.toEpochMilli());
        if (command.getSignature() == null || command.getKeyId() == null) {
            return new Verdict(Status.FORGED, "unsigned: no key id or signature");
        }
        CommandSigner signer = keys.get(command.getKeyId());
        if (signer == null) {
            return new Verdict(
                    Status.FORGED, "unknown signing key id '" + command.getKeyId() + "'");
        }
        if (!signer.verify(command)) {
            return new Verdict(
                    Status.FORGED,
                    "signature does not match the command's bytes under key " + command.getKeyId());
        }
        if (!now.isBefore(command.getExpiresAt())) {
            return new Verdict(
                    Status.EXPIRED,
                    "expired at " + command.getExpiresAt() + ", presented at " + now);
        }
        if (seen.contains(command.getCommandId())) {
            return new Verdict(
                    Status.REPLAYED, "command id " + command.getCommandId() + " seen before");
        }
        if (seen.size() >= maxRemembered) {
            // Refusing is safer than forgetting an id that may still be replayed.
            return new Verdict(
                    Status.REPLAYED,
                    "replay memory full ("
                            + maxRemembered
                            + " live command ids): cannot tell a replay, refusing");
        }
        seen.add(command.getCommandId());
        byExpiry.add(new Seen(command.getCommandId(), command.getExpiresAt().toEpochMilli()));
        return new Verdict(Status.ACCEPTED, "signed by " + command.getKeyId() + ", fresh, new");
    }

    /** Ids whose command has expired can be forgotten: presenting them again is EXPIRED. */
    private void forgetExpired(long nowMillis) {
        while (!byExpiry.isEmpty() && byExpiry.peek().expiresAtMillis() <= nowMillis) {
            seen.remove(byExpiry.poll().commandId());
        }
    }

    /** How many commands got each verdict so far. */
    public Map<Status, Long> counts() {
        return Map.copyOf(counts);
    }

    /** Command ids remembered for replay detection now. */
    public int remembered() {
        return seen.size();
    }
}
