package io.hormesis.jobs.watch;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A WATCH key (deployment, model name, model version) as the bytes Avro encodes those three names
 * to, one after the other and each prefixed by its length, so the pre-aggregation can look a key up
 * by pointing into a record's bytes, without building three strings per event. A lookup reuses one
 * mutable instance ({@link #point}); a key stored in a map is an immutable {@link #copy}. Equal
 * names give equal slices whichever way they were made, since both are the names' Avro encoding.
 */
final class KeySlice {
    private byte[] bytes;
    private int from;
    private int to;
    private int hash;

    private KeySlice(byte[] bytes, int from, int to) {
        point(bytes, from, to);
    }

    /** A reusable lookup key; point it at a record before use. */
    static KeySlice probe() {
        return new KeySlice(new byte[0], 0, 0);
    }

    /** The slice of three names, encoded as Avro encodes three strings in a row. */
    static KeySlice of(String deployment, String modelName, String modelVersion) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        for (String name : new String[] {deployment, modelName, modelVersion}) {
            byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
            long z = ((long) utf8.length << 1); // zig-zag of a non-negative length
            while ((z & ~0x7FL) != 0) {
                out.write((int) ((z & 0x7F) | 0x80));
                z >>>= 7;
            }
            out.write((int) z);
            out.write(utf8, 0, utf8.length);
        }
        byte[] b = out.toByteArray();
        return new KeySlice(b, 0, b.length);
    }

    /** Points this (lookup) key at {@code bytes[from, to)}. */
    KeySlice point(byte[] bytes, int from, int to) {
        this.bytes = bytes;
        this.from = from;
        this.to = to;
        int h = 1;
        for (int i = from; i < to; i++) {
            h = 31 * h + bytes[i];
        }
        this.hash = h;
        return this;
    }

    /** An immutable copy, safe to keep as a map key after the record's bytes are gone. */
    KeySlice copy() {
        return new KeySlice(Arrays.copyOfRange(bytes, from, to), 0, to - from);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeySlice k
                && hash == k.hash
                && Arrays.equals(bytes, from, to, k.bytes, k.from, k.to);
    }

    @Override
    public String toString() {
        return new String(bytes, from, to - from, StandardCharsets.UTF_8);
    }
}
