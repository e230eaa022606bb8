package io.hormesis.jobs.control;

import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.Command;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Signs commands with HMAC-SHA256 so a controller can tell a Hormesis command from a forged one.
 * The signed bytes are the command's single-object Avro encoding with {@code signature} unset and
 * {@code keyId} set: they include the schema fingerprint, so a signature is bound to the schema
 * version it was made under.
 */
public final class CommandSigner implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final String ALGORITHM = "HmacSHA256";

    private final String keyId;
    private final byte[] key;
    private transient AvroCodec<Command> codec;

    public CommandSigner(String keyId, String secret) {
        this.keyId = Objects.requireNonNull(keyId, "keyId");
        if (secret == null || secret.length() < 32) {
            throw new IllegalArgumentException("signing key must have at least 32 characters");
        }
        this.key = secret.getBytes(StandardCharsets.UTF_8);
    }

    /** A copy of the command with keyId and signature set. */
    public Command sign(Command command) {
        Command copy = Command.newBuilder(command).setKeyId(keyId).setSignature(null).build();
        copy.setSignature(HexFormat.of().formatHex(mac(canonicalBytes(copy))));
        return copy;
    }

    /** True if the command carries a valid signature by this key. */
    public boolean verify(Command command) {
        if (command.getSignature() == null || !keyId.equals(command.getKeyId())) {
            return false;
        }
        byte[] claimed;
        try {
            claimed = HexFormat.of().parseHex(command.getSignature());
        } catch (IllegalArgumentException e) {
            return false;
        }
        Command unsigned = Command.newBuilder(command).setSignature(null).build();
        return MessageDigest.isEqual(claimed, mac(canonicalBytes(unsigned)));
    }

    private byte[] canonicalBytes(Command unsigned) {
        if (codec == null) {
            codec = AvroCodec.of(Command.class);
        }
        return codec.encode(unsigned);
    }

    private byte[] mac(byte[] bytes) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            return mac.doFinal(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has " + ALGORITHM, e);
        }
    }
}
