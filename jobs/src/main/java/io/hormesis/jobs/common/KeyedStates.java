package io.hormesis.jobs.common;

import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;

import java.time.Duration;

/** The one expiry policy of Hormesis keyed state: gone after a TTL without writes. */
public final class KeyedStates {
    private KeyedStates() {}

    /** Makes the state expire {@code ttl} after its last write; expired state reads as absent. */
    public static <D extends StateDescriptor<?, ?>> D expireAfterWrite(D descriptor, Duration ttl) {
        descriptor.enableTimeToLive(
                StateTtlConfig.newBuilder(ttl)
                        .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                        .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                        .build());
        return descriptor;
    }
}
