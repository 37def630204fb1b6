package io.marmot.nats;

import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamInfoOptions;
import io.nats.client.api.Subject;
import java.util.ArrayList;
import java.util.List;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueStatus;
import io.nats.client.api.StorageType;
import java.io.IOException;
import java.time.Duration;

/**
 * One of the engine's key-value buckets (one entry per key, created by whoever comes first), opened once per NATS
 * connection and kept: opening asks the server twice (the bucket's status, then the bucket itself), which every
 * periodic look (node claims, schema fingerprints, digests, the snapshot pointer) used to repeat, for every database.
 * A failed use forgets it, so a bucket lost with the server's store is created again at the next look. Engines on
 * one connection share what was opened ({@link OpenedBuckets}): a tenant's replicas open its buckets once.
 */
public final class KvBucket {
    private final String name;
    private final Duration ttl;
    private final int replicas;
    private Connection openedOn;
    private KeyValue kv;

    /** @param ttl how long entries live, or null for as long as the bucket */
    public KvBucket(String name, Duration ttl, int replicas) {
        this.name = name;
        this.ttl = ttl;
        this.replicas = replicas;
    }

    public String name() {
        return name;
    }

    /**
     * The bucket on {@code nc}, created when missing; call {@link #forget} when using it failed. Opened once per
     * connection for every engine of the JVM ({@link OpenedBuckets}).
     */
    public synchronized KeyValue open(Connection nc) throws IOException, JetStreamApiException {
        if (kv == null || openedOn != nc) {
            OpenedBuckets shared = OpenedBuckets.of();
            kv = shared == null ? create(nc) : shared.open(nc, name, () -> create(nc));
            openedOn = nc;
        }
        return kv;
    }

    /** The next {@link #open} asks the server again (and creates the bucket if it is gone). */
    public synchronized void forget() {
        OpenedBuckets shared = OpenedBuckets.of();
        if (shared != null && kv != null) {
            shared.forget(openedOn, name, kv);
        }
        kv = null;
        openedOn = null;
    }

    /** Runs {@code work} on the bucket; any failure forgets it. */
    public <T> T use(Connection nc, Work<T> work) throws IOException, JetStreamApiException {
        try {
            return work.run(open(nc));
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            forget();
            throw e;
        }
    }

    /**
     * The bucket's keys, deleted ones included (their entries read as empty), from one stream-info request: the
     * client's {@code keys()} starts an ordered consumer, and with it a dispatcher thread, for every listing, which
     * a thousand databases' periodic looks turned into hundreds of threads and consumers.
     */
    public List<String> keys(Connection nc) throws IOException, JetStreamApiException {
        String prefix = "$KV." + name + ".";
        List<String> keys = new ArrayList<>();
        StreamInfo info = nc.jetStreamManagement().getStreamInfo("KV_" + name, StreamInfoOptions.filterSubjects(prefix + ">"));
        List<Subject> subjects = info.getStreamState().getSubjects();
        for (Subject s : subjects == null ? List.<Subject>of() : subjects) {
            if (s.getName().startsWith(prefix)) {
                keys.add(s.getName().substring(prefix.length()));
            }
        }
        return keys;
    }

    @FunctionalInterface
    public interface Work<T> {
        T run(KeyValue kv) throws IOException, JetStreamApiException;
    }

    private KeyValue create(Connection nc) throws IOException, JetStreamApiException {
        try {
            KeyValueStatus status = nc.keyValueManagement().getStatus(name);
            Duration held = status.getTtl();
            if (ttl != null && held != null && !held.isZero() && held.compareTo(ttl) < 0) {
                // Made by an older version with shorter-lived entries than this one renews them for: they would lapse
                // between renewals. A longer life only makes a crashed node's entry stay longer.
                nc.keyValueManagement().update(KeyValueConfiguration.builder(status.getConfiguration()).ttl(ttl).build());
            }
        } catch (JetStreamApiException missing) {
            KeyValueConfiguration.Builder b = KeyValueConfiguration.builder().name(name).maxHistoryPerKey(1)
                    .replicas(replicas).storageType(StorageType.File);
            if (ttl != null) {
                b.ttl(ttl);
            }
            try {
                nc.keyValueManagement().create(b.build());
            } catch (JetStreamApiException raced) {
                // created by another node at the same moment
            }
        }
        return nc.keyValue(name);
    }
}
