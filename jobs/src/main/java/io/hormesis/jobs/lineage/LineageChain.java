package io.hormesis.jobs.lineage;

import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types.NestedField;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The hash chain of the lineage tables. Every row belongs to one chain (a deployment, a dataset or
 * a dead-letter topic) and has a position {@code seq} in it, counted across all tables, so a chain
 * interleaves the signals, decisions, commands, outcomes, ... of its deployment in the order
 * LINEAGE saw them. {@code hash = SHA-256(prev_hash || canonical bytes)}, where {@code prev_hash}
 * is the raw 32 bytes of the previous row's hash ({@link #GENESIS} for seq 1) and the canonical
 * bytes are: table name, chain, seq, then for every record column its name and a type-tagged value
 * (strings as UTF-8, timestamps as epoch microseconds, doubles as IEEE bits, maps sorted by key).
 * Changing any column, the seq or the chain of a row changes its hash.
 */
public final class LineageChain {
    private LineageChain() {}

    /** The prev_hash of the first row of every chain. */
    public static final String GENESIS = "0".repeat(64);

    /** The hash of a row given its previous hash, as hex. */
    public static String hash(
            String prevHash, LineageTables table, String chain, long seq, Object[] values) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(HexFormat.of().parseHex(prevHash));
            digest.update(canonical(table, chain, seq, values));
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        } catch (IllegalArgumentException e) {
            // A prev_hash that is not 64 hex digits was altered; no honest row has it.
            return "invalid prev_hash";
        }
    }

    /** The canonical bytes of a row (without its prev_hash and hash). */
    public static byte[] canonical(LineageTables table, String chain, long seq, Object[] values) {
        List<NestedField> columns = table.recordColumns();
        if (values.length != columns.size()) {
            throw new IllegalArgumentException(
                    table.tableName()
                            + " has "
                            + columns.size()
                            + " record columns, got "
                            + values.length
                            + " values");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            string(out, table.tableName());
            string(out, chain);
            out.writeLong(seq);
            for (int i = 0; i < values.length; i++) {
                string(out, columns.get(i).name());
                value(out, columns.get(i).type(), values[i]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void value(DataOutputStream out, Type type, Object value) throws IOException {
        if (value == null) {
            out.writeByte(0);
            return;
        }
        switch (type.typeId()) {
            case STRING:
                out.writeByte(1);
                string(out, (String) value);
                break;
            case TIMESTAMP:
                {
                    Instant t = (Instant) value;
                    out.writeByte(2);
                    out.writeLong(
                            Math.addExact(t.getEpochSecond() * 1_000_000L, t.getNano() / 1000));
                    break;
                }
            case DOUBLE:
                out.writeByte(3);
                out.writeLong(Double.doubleToLongBits((Double) value));
                break;
            case LONG:
                out.writeByte(4);
                out.writeLong((Long) value);
                break;
            case INTEGER:
                out.writeByte(5);
                out.writeInt((Integer) value);
                break;
            case MAP:
                {
                    out.writeByte(6);
                    Map<String, Object> sorted = new TreeMap<>();
                    ((Map<?, ?>) value).forEach((k, v) -> sorted.put(k.toString(), v));
                    out.writeInt(sorted.size());
                    for (Map.Entry<String, Object> e : sorted.entrySet()) {
                        string(out, e.getKey());
                        out.writeLong(Double.doubleToLongBits((Double) e.getValue()));
                    }
                    break;
                }
            case LIST:
                {
                    out.writeByte(7);
                    List<?> list = (List<?>) value;
                    out.writeInt(list.size());
                    for (Object item : list) {
                        string(out, (String) item);
                    }
                    break;
                }
            case BINARY:
                {
                    byte[] data = (byte[]) value;
                    out.writeByte(8);
                    out.writeInt(data.length);
                    out.write(data);
                    break;
                }
            default:
                throw new IllegalArgumentException("no canonical form for " + type);
        }
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }
}
