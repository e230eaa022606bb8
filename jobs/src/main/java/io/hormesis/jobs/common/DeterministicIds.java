package io.hormesis.jobs.common;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Ids derived from content: replaying the same input after a failure yields the same ids, so
 * consumers can de-duplicate and lineage rows can be joined across restarts.
 */
public final class DeterministicIds {
    private DeterministicIds() {}

    /** {@code prefix-} followed by 32 hex digits of SHA-256 over the parts, NUL-separated. */
    public static String of(String prefix, Object... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Object part : parts) {
                digest.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return prefix + "-" + HexFormat.of().formatHex(digest.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
