package io.hormesis.jobs.common;

import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;

import java.time.Duration;

/** The one expiry policy of Hormesis keyed state: gone after a TTL without writes. */
public final class KeyedStates {
    /** Flink's default: the compaction filter reads the clock once per this many entries. */
    static final long TTL_QUERY_AFTER_ENTRIES = 1000;

    private KeyedStates() {}

    /**
     * Makes the state expire {@code ttl} after its last write; expired state reads as absent.
     *
     * <p>On RocksDB, expired entries are dropped when compaction rewrites their file (Flink's
     * compaction filter, checking the time every {@value #TTL_QUERY_AFTER_ENTRIES} entries). A file
     * that no write pushes into a compaction would keep them until RocksDB's periodic compaction,
     * which Flink sets to 30 days by default; here it is the TTL, so an expired entry is gone at
     * most about two TTLs after its last write, at the cost of rewriting the state once per TTL.
     */
    public static <D extends StateDescriptor<?, ?>> D expireAfterWrite(D descriptor, Duration ttl) {
        descriptor.enableTimeToLive(
                StateTtlConfig.newBuilder(ttl)
                        .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                        .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                        .cleanupInRocksdbCompactFilter(TTL_QUERY_AFTER_ENTRIES, ttl)
                        .build());
        return descriptor;
    }
}
