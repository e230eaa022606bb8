package io.hormesis.jobs.detect;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.impl.StreamFormatAdapter;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.connector.file.src.util.MutableRecordAndPosition;
import org.apache.flink.connector.file.src.util.RecordAndPosition;

import java.io.IOException;

/**
 * Text lines of files, each tagged with its file (relative to a root) and its 0-based line number,
 * so one bounded FileSource can feed many series into one keyed job.
 */
public final class PathTaggedLines implements BulkFormat<SeriesPoint, FileSourceSplit> {
    private static final long serialVersionUID = 1L;

    private final String root;
    private final StreamFormatAdapter<String> lines =
            new StreamFormatAdapter<>(new TextLineInputFormat());

    /**
     * @param root prefix removed from file paths to name the series ("" keeps them whole)
     */
    public PathTaggedLines(String root) {
        this.root = root;
    }

    @Override
    public Reader<SeriesPoint> createReader(Configuration config, FileSourceSplit split)
            throws IOException {
        return new Tagging(lines.createReader(config, split), series(split));
    }

    @Override
    public Reader<SeriesPoint> restoreReader(Configuration config, FileSourceSplit split)
            throws IOException {
        return new Tagging(lines.restoreReader(config, split), series(split));
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<SeriesPoint> getProducedType() {
        return TypeInformation.of(SeriesPoint.class);
    }

    private String series(FileSourceSplit split) {
        String path = split.path().getPath();
        return !root.isEmpty() && path.startsWith(root)
                ? path.substring(root.length()).replaceFirst("^/+", "")
                : path;
    }

    /** Wraps a line reader; the record skip count after a line is its 1-based number. */
    private static final class Tagging implements Reader<SeriesPoint> {
        private final Reader<String> inner;
        private final String series;

        Tagging(Reader<String> inner, String series) {
            this.inner = inner;
            this.series = series;
        }

        @Override
        public RecordIterator<SeriesPoint> readBatch() throws IOException {
            RecordIterator<String> batch = inner.readBatch();
            if (batch == null) {
                return null;
            }
            MutableRecordAndPosition<SeriesPoint> reuse = new MutableRecordAndPosition<>();
            return new RecordIterator<>() {
                @Override
                public RecordAndPosition<SeriesPoint> next() {
                    RecordAndPosition<String> line = batch.next();
                    if (line == null) {
                        return null;
                    }
                    reuse.set(
                            new SeriesPoint(
                                    series, line.getRecordSkipCount() - 1, line.getRecord()),
                            line.getOffset(),
                            line.getRecordSkipCount());
                    return reuse;
                }

                @Override
                public void releaseBatch() {
                    batch.releaseBatch();
                }
            };
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }
}
