package io.hormesis.jobs.control;

import io.hormesis.schema.Command;
import io.hormesis.schema.CommandKind;
import io.hormesis.schema.ScaleAction;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandSignerTest {
    private static final String KEY = "a-test-signing-key-of-at-least-32-chars";

    private static Command command() {
        return Command.newBuilder()
                .setCommandId("cmd-1")
                .setKind(CommandKind.SCALE)
                .setDeployment("chat-llm")
                .setModelName("llama-chat")
                .setIssuedAt(Instant.ofEpochMilli(1_000))
                .setExpiresAt(Instant.ofEpochMilli(301_000))
                .setReason("test")
                .setSignalIds(List.of("sig-1"))
                .setScale(new ScaleAction(2, 4, null, null))
                .build();
    }

    @Test
    void hmacKnownAnswer() throws Exception {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("Jefe".getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
        assertThat(
                        HexFormat.of()
                                .formatHex(
                                        mac.doFinal(
                                                "what do ya want for nothing?"
                                                        .getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    @Test
    void verifiesItsOwnSignature() {
        CommandSigner signer = new CommandSigner("k1", KEY);
        Command signed = signer.sign(command());
        assertThat(signed.getKeyId()).isEqualTo("k1");
        assertThat(signed.getSignature()).hasSize(64);
        assertThat(signer.verify(signed)).isTrue();
        assertThat(signer.sign(command()).getSignature()).isEqualTo(signed.getSignature());
    }

    @Test
    void rejectsATamperedCommand() {
        CommandSigner signer = new CommandSigner("k1", KEY);
        Command signed = signer.sign(command());
        Command tampered =
                Command.newBuilder(signed).setScale(new ScaleAction(2, 40, null, null)).build();
        assertThat(signer.verify(tampered)).isFalse();
        Command expiryMoved =
                Command.newBuilder(signed).setExpiresAt(Instant.ofEpochMilli(9_999_999)).build();
        assertThat(signer.verify(expiryMoved)).isFalse();
    }

    @Test
    void rejectsAnotherKeyAnUnsignedCommandAndGarbage() {
        Command signed = new CommandSigner("k1", KEY).sign(command());
        assertThat(new CommandSigner("k1", KEY + "x").verify(signed)).isFalse();
        assertThat(new CommandSigner("k2", KEY).verify(signed)).isFalse();
        assertThat(new CommandSigner("k1", KEY).verify(command())).isFalse();
        Command garbage = Command.newBuilder(signed).setSignature("zz-not-hex").build();
        assertThat(new CommandSigner("k1", KEY).verify(garbage)).isFalse();
    }

    @Test
    void refusesAShortKey() {
        assertThatThrownBy(() -> new CommandSigner("k1", "short"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
