package io.hormesis.jobs.lineage;

import org.apache.flink.configuration.Configuration;

import io.hormesis.jobs.config.HormesisOptions;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.io.Closeable;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How far the pipelines have got: committed rows per lineage table and whether a consumer group has
 * read a topic to its end. The demo and the tests wait on these instead of sleeping.
 */
public final class LineageProgress implements AutoCloseable {
    private final Catalog catalog;
    private final Admin admin;

    public LineageProgress(Configuration config) {
        this.catalog = LineageCatalog.loader(config).loadCatalog();
        Properties props = new Properties();
        props.put("bootstrap.servers", HormesisOptions.bootstrapServers(config));
        this.admin = Admin.create(props);
    }

    /** Rows committed to a lineage table, 0 before its first commit. */
    public long committedRows(LineageTables table) {
        if (!catalog.tableExists(table.identifier())) {
            return 0;
        }
        Table loaded = catalog.loadTable(table.identifier());
        Snapshot snapshot = loaded.currentSnapshot();
        if (snapshot == null) {
            return 0;
        }
        return Long.parseLong(snapshot.summary().getOrDefault("total-records", "0"));
    }

    /** Records a consumer group has yet to commit on a topic (non-transactional topics). */
    public long lag(String groupId, String topic)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(groupId)
                        .partitionsToOffsetAndMetadata()
                        .get(10, TimeUnit.SECONDS);
        int partitions =
                admin.describeTopics(java.util.List.of(topic))
                        .allTopicNames()
                        .get(10, TimeUnit.SECONDS)
                        .get(topic)
                        .partitions()
                        .size();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        ListOffsetsResult ends = admin.listOffsets(latest);
        long lag = 0;
        for (TopicPartition tp : latest.keySet()) {
            long end = ends.partitionResult(tp).get(10, TimeUnit.SECONDS).offset();
            OffsetAndMetadata at = committed.get(tp);
            lag += end - (at == null ? 0 : at.offset());
        }
        return lag;
    }

    @Override
    public void close() throws IOException {
        admin.close();
        if (catalog instanceof Closeable closeable) {
            closeable.close();
        }
    }
}
