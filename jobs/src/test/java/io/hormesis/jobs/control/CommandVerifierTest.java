package io.hormesis.jobs.control;

import io.hormesis.jobs.control.CommandVerifier.Status;
import io.hormesis.schema.Command;
import io.hormesis.schema.CommandKind;
import io.hormesis.schema.RollbackAction;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandVerifierTest {
    private static final String KEY = "a-test-signing-key-of-at-least-32-chars";
    private static final Instant ISSUED = Instant.parse("2026-01-15T14:00:00Z");

    private static Command rollback(String id) {
        return Command.newBuilder()
                .setCommandId(id)
                .setKind(CommandKind.ROLLBACK)
                .setDeployment("chat-llm")
                .setModelName("llama-chat")
                .setIssuedAt(ISSUED)
                .setExpiresAt(ISSUED.plusSeconds(300))
                .setReason("v8 error rate 9.1% vs v7 1.0%")
                .setSignalIds(List.of("sig-1"))
                .setRollback(new RollbackAction("v8", "v7"))
                .build();
    }

    @Test
    void acceptsAFreshSignedCommandOnceThenCallsItAReplay() {
        CommandVerifier verifier = CommandVerifier.of("k1", KEY);
        Command signed = new CommandSigner("k1", KEY).sign(rollback("cmd-a"));
        assertThat(verifier.verify(signed, ISSUED.plusSeconds(1)).status())
                .isEqualTo(Status.ACCEPTED);
        CommandVerifier.Verdict again = verifier.verify(signed, ISSUED.plusSeconds(2));
        assertThat(again.status()).isEqualTo(Status.REPLAYED);
        assertThat(again.reason()).contains("cmd-a");
        assertThat(verifier.counts())
                .containsEntry(Status.ACCEPTED, 1L)
                .containsEntry(Status.REPLAYED, 1L);
    }

    @Test
    void rejectsForgeriesWithTheirReason() {
        CommandVerifier verifier = CommandVerifier.of("k1", KEY);
        Command signed = new CommandSigner("k1", KEY).sign(rollback("cmd-b"));
        Instant now = ISSUED.plusSeconds(1);

        Command otherTarget =
                Command.newBuilder(signed).setRollback(new RollbackAction("v8", "v1")).build();
        assertThat(verifier.verify(otherTarget, now).reason()).contains("does not match");
        Command unknownKey = new CommandSigner("k9", KEY).sign(rollback("cmd-c"));
        assertThat(verifier.verify(unknownKey, now).reason()).contains("unknown signing key");
        Command wrongSecret = new CommandSigner("k1", KEY + "!").sign(rollback("cmd-d"));
        assertThat(verifier.verify(wrongSecret, now).status()).isEqualTo(Status.FORGED);
        assertThat(verifier.verify(rollback("cmd-e"), now).reason()).contains("unsigned");
        assertThat(verifier.counts()).containsEntry(Status.FORGED, 4L);
        // A forgery is never remembered, so it cannot block the real command's id.
        assertThat(verifier.remembered()).isZero();
        assertThat(verifier.verify(signed, now).accepted()).isTrue();
    }

    @Test
    void rejectsAnExpiredCommandAndForgetsIdsOnceTheyExpire() {
        CommandVerifier verifier = CommandVerifier.of("k1", KEY);
        Command signed = new CommandSigner("k1", KEY).sign(rollback("cmd-f"));
        assertThat(verifier.verify(signed, ISSUED.plusSeconds(300)).status())
                .isEqualTo(Status.EXPIRED);
        assertThat(verifier.verify(signed, ISSUED.plusSeconds(299)).accepted()).isTrue();
        assertThat(verifier.remembered()).isEqualTo(1);
        Command later = new CommandSigner("k1", KEY).sign(rollback("cmd-g"));
        later =
                new CommandSigner("k1", KEY)
                        .sign(
                                Command.newBuilder(later)
                                        .setExpiresAt(ISSUED.plusSeconds(900))
                                        .build());
        // Presenting anything after cmd-f's expiry drops cmd-f from memory; its replay is EXPIRED.
        assertThat(verifier.verify(later, ISSUED.plusSeconds(301)).accepted()).isTrue();
        assertThat(verifier.remembered()).isEqualTo(1);
        assertThat(verifier.verify(signed, ISSUED.plusSeconds(302)).status())
                .isEqualTo(Status.EXPIRED);
    }

    @Test
    void knowsSeveralKeysForRotation() {
        String newKey = KEY + "-rotated";
        CommandVerifier verifier = new CommandVerifier(Map.of("k1", KEY, "k2", newKey), 10);
        Instant now = ISSUED.plusSeconds(1);
        assertThat(
                        verifier.verify(new CommandSigner("k1", KEY).sign(rollback("x1")), now)
                                .accepted())
                .isTrue();
        assertThat(
                        verifier.verify(new CommandSigner("k2", newKey).sign(rollback("x2")), now)
                                .accepted())
                .isTrue();
    }

    @Test
    void refusesWhenItsReplayMemoryIsFull() {
        CommandVerifier verifier = new CommandVerifier(Map.of("k1", KEY), 1);
        CommandSigner signer = new CommandSigner("k1", KEY);
        Instant now = ISSUED.plusSeconds(1);
        assertThat(verifier.verify(signer.sign(rollback("m1")), now).accepted()).isTrue();
        assertThat(verifier.verify(signer.sign(rollback("m2")), now).reason())
                .contains("memory full");
    }

    @Test
    void needsAKey() {
        assertThatThrownBy(() -> new CommandVerifier(Map.of(), 10))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
