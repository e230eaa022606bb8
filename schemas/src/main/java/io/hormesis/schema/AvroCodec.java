package io.hormesis.schema;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Encodes and decodes one record type in Avro single-object encoding (marker {@code C3 01}, the
 * CRC-64-AVRO fingerprint of the writer schema, then the binary body), so a consumer knows the
 * writer schema without a registry. Every historic version of the schema listed in {@code
 * avro-history/index.txt} is known to the decoder and resolved to the current one.
 *
 * <p>Instances are serializable (they travel inside Flink functions); the Avro encoder and readers
 * are built lazily on first use in each JVM. An instance is not thread-safe: use one per task.
 */
public final class AvroCodec<T extends SpecificRecord> implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final String HISTORY_INDEX = "avro-history/index.txt";
    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;
    private static final int HEADER_LENGTH = 10;

    private final Class<T> recordClass;
    private transient BinaryMessageEncoder<T> encoder;
    private transient Map<Long, Schema> writers;
    private transient Map<Long, DatumReader<T>> readers;
    private transient BinaryDecoder walkDecoder;
    private transient BinaryDecoder bodyDecoder;

    private AvroCodec(Class<T> recordClass) {
        this.recordClass = Objects.requireNonNull(recordClass, "recordClass");
    }

    public static <T extends SpecificRecord> AvroCodec<T> of(Class<T> recordClass) {
        return new AvroCodec<>(recordClass);
    }

    public Class<T> recordClass() {
        return recordClass;
    }

    /** The current (reader) schema. */
    public Schema schema() {
        return SpecificData.get().getSchema(recordClass);
    }

    public byte[] encode(T record) {
        try {
            ByteBuffer buffer = encoder().encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + recordClass.getSimpleName(), e);
        }
    }

    /**
     * Decodes one record.
     *
     * <p>The body is first walked with {@link GenericDatumReader#skip}, which allocates nothing: a
     * string, bytes or collection whose claimed length runs past the end of the record fails there
     * with an EOF instead of making the real decode allocate gigabytes for it.
     *
     * @throws DecodeException with a {@link DecodeException.Reason} saying what is wrong with the
     *     bytes; never any other exception for bad input
     */
    public T decode(byte[] bytes) throws DecodeException {
        return decode(bytes, null);
    }

    /**
     * Decodes one record into {@code reuse} (when not null) instead of a new instance, as {@link
     * DatumReader#read} does: for a caller that is done with the previous record, this saves the
     * allocation of the record and of its collections. The binary decoders are reused either way.
     *
     * @throws DecodeException as {@link #decode(byte[])}
     */
    public T decode(byte[] bytes, T reuse) throws DecodeException {
        if (bytes == null || bytes.length == 0) {
            throw new DecodeException(DecodeException.Reason.EMPTY, "record has no value");
        }
        boolean marker = bytes.length >= 2 && bytes[0] == MARKER_0 && bytes[1] == MARKER_1;
        if (!marker) {
            throw new DecodeException(
                    DecodeException.Reason.BAD_HEADER,
                    "not Avro single-object encoding: the record does not start with C3 01");
        }
        if (bytes.length < HEADER_LENGTH) {
            throw new DecodeException(
                    DecodeException.Reason.TRUNCATED,
                    "record of " + bytes.length + " bytes ends inside the 10-byte header");
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        DatumReader<T> reader = readers().get(fingerprint);
        Schema writer = writers.get(fingerprint);
        if (reader == null) {
            throw new DecodeException(
                    DecodeException.Reason.UNKNOWN_SCHEMA,
                    String.format(
                            "no known version of %s has fingerprint %016x",
                            schema().getFullName(), fingerprint));
        }
        int length = bytes.length - HEADER_LENGTH;
        try {
            BinaryDecoder walk =
                    DecoderFactory.get().binaryDecoder(bytes, HEADER_LENGTH, length, walkDecoder);
            walkDecoder = walk;
            GenericDatumReader.skip(writer, walk);
            if (!walk.isEnd()) {
                throw new DecodeException(
                        DecodeException.Reason.CORRUPT,
                        "record has bytes left over after its last field");
            }
            BinaryDecoder body =
                    DecoderFactory.get().binaryDecoder(bytes, HEADER_LENGTH, length, bodyDecoder);
            bodyDecoder = body;
            return reader.read(reuse, body);
        } catch (EOFException e) {
            throw new DecodeException(
                    DecodeException.Reason.TRUNCATED,
                    "record body ends early: its "
                            + length
                            + " bytes hold only part of one "
                            + writer.getName());
        } catch (IOException | RuntimeException e) {
            // Random bytes can make the binary decoder fail in many ways (bad union or enum
            // indexes, negative lengths, invalid UTF-8); whatever it is, the record is corrupt.
            throw new DecodeException(
                    DecodeException.Reason.CORRUPT, "record body does not decode: " + e);
        }
    }

    private BinaryMessageEncoder<T> encoder() {
        if (encoder == null) {
            encoder = new BinaryMessageEncoder<>(SpecificData.getForClass(recordClass), schema());
        }
        return encoder;
    }

    /** Readers by writer-schema fingerprint: the current schema and every historic version. */
    private Map<Long, DatumReader<T>> readers() {
        if (readers == null) {
            Schema current = schema();
            SpecificData model = SpecificData.getForClass(recordClass);
            Map<Long, Schema> byFingerprint = new HashMap<>();
            byFingerprint.put(SchemaNormalization.parsingFingerprint64(current), current);
            for (Schema old : historicSchemas(current.getFullName())) {
                byFingerprint.put(SchemaNormalization.parsingFingerprint64(old), old);
            }
            Map<Long, DatumReader<T>> built = new HashMap<>();
            byFingerprint.forEach(
                    (fp, writer) ->
                            built.put(fp, new SpecificDatumReader<>(writer, current, model)));
            writers = Map.copyOf(byFingerprint);
            readers = Map.copyOf(built);
        }
        return readers;
    }

    /** Earlier published versions of the named schema, from the classpath. */
    public static List<Schema> historicSchemas(String fullName) {
        List<Schema> schemas = new ArrayList<>();
        ClassLoader loader = AvroCodec.class.getClassLoader();
        try (InputStream index = loader.getResourceAsStream(HISTORY_INDEX)) {
            if (index == null) {
                return schemas;
            }
            BufferedReader reader =
                    new BufferedReader(new InputStreamReader(index, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                String file = line.strip();
                if (file.isEmpty() || !file.startsWith(fullName + ".v")) {
                    continue;
                }
                try (InputStream in = loader.getResourceAsStream("avro-history/" + file)) {
                    if (in == null) {
                        throw new IllegalStateException(HISTORY_INDEX + " names missing " + file);
                    }
                    schemas.add(new Schema.Parser().parse(in));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + HISTORY_INDEX, e);
        }
        return schemas;
    }
}
