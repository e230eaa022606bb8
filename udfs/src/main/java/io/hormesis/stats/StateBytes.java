package io.hormesis.stats;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The byte-array plumbing shared by every statistic's {@code toBytes}/{@code fromBytes}. */
public final class StateBytes {
    private StateBytes() {}

    /** Writes a state. */
    public interface Writer {
        void writeTo(DataOutput out) throws IOException;
    }

    /** Reads a state back. */
    public interface Reader<T> {
        T readFrom(DataInput in) throws IOException;
    }

    public static byte[] write(Writer writer, int expectedSize) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(expectedSize);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static <T> T read(byte[] bytes, Reader<T> reader) {
        try {
            return reader.readFrom(new DataInputStream(new ByteArrayInputStream(bytes)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the version byte and fails clearly on a layout this code does not know. */
    public static void checkVersion(DataInput in, int expected, String what) throws IOException {
        int version = in.readUnsignedByte();
        if (version != expected) {
            throw new IllegalArgumentException(
                    "unknown " + what + " state version " + version + ", expected " + expected);
        }
    }

    public static void checkFinite(double x) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("observation must be finite, got " + x);
        }
    }
}
