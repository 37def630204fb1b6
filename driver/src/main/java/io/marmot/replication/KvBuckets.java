package io.marmot.replication;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;
import java.io.IOException;
import java.time.Duration;

/** The engine's key-value buckets: one entry per key, entries expiring after {@code ttl}, created by whoever comes first. */
final class KvBuckets {
    private KvBuckets() {
    }

    static KeyValue open(Connection nc, String bucket, Duration ttl, int replicas) throws IOException, JetStreamApiException {
        try {
            nc.keyValueManagement().getStatus(bucket);
        } catch (JetStreamApiException missing) {
            try {
                nc.keyValueManagement().create(KeyValueConfiguration.builder().name(bucket).maxHistoryPerKey(1)
                        .ttl(ttl).replicas(replicas).storageType(StorageType.File).build());
            } catch (JetStreamApiException raced) {
                // created by another node at the same moment
            }
        }
        return nc.keyValue(bucket);
    }
}
