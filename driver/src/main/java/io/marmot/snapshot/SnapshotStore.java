package io.marmot.snapshot;

import io.marmot.config.StreamSettings;
import io.marmot.nats.KvBucket;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.ObjectStore;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.ObjectInfo;
import io.nats.client.api.ObjectMeta;
import io.nats.client.api.ObjectStoreConfiguration;
import io.nats.client.api.StorageType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where snapshots live in JetStream: the Object Store bucket {@code <stream-prefix>-snapshots} holds each copy
 * under a unique name with its manifest as metadata; the key-value bucket {@code <stream-prefix>-snapshot} has
 * {@code newest}, naming the newest complete snapshot; {@code <stream-prefix>-snapshot-lease} (entries expire after
 * {@link #LEASE}, renewed while held) has the {@code taker} entry that lets one node at a time take a snapshot,
 * decided by revision-checked writes on the server, never by comparing clocks.
 */
final class SnapshotStore {
    static final Duration LEASE = Duration.ofSeconds(60);
    static final String NEWEST = "newest";
    static final String TAKER = "taker";
    private static final int NOT_FOUND = 404;

    private final Connection nc;
    private final String objects;
    private final KvBucket pointer;
    private final KvBucket lease;
    private final int replicas;

    SnapshotStore(Connection nc, StreamSettings streams) {
        this.nc = nc;
        this.objects = streams.streamPrefix() + "-snapshots";
        this.replicas = streams.replicas();
        this.pointer = new KvBucket(streams.streamPrefix() + "-snapshot", null, replicas);
        this.lease = new KvBucket(streams.streamPrefix() + "-snapshot-lease", LEASE, replicas);
    }

    boolean uses(Connection connection) {
        return nc == connection;
    }

    String bucket() {
        return objects;
    }

    /** Every stored snapshot with a readable manifest, newest first; empty when none was ever taken. */
    List<Manifest> list() throws IOException, JetStreamApiException {
        if (!objectsExist()) {
            return List.of();
        }
        List<Manifest> out = new ArrayList<>();
        try {
            for (ObjectInfo info : nc.objectStore(objects).getList()) {
                Manifest m = info.isDeleted() ? null : Manifest.fromMetadata(info.getObjectName(), info.getMetaData());
                if (m != null) {
                    out.add(m);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while listing snapshots", e);
        }
        out.sort(Comparator.comparingLong(Manifest::createdMillis).thenComparing(Manifest::name).reversed());
        return out;
    }

    /** The entry naming the newest snapshot, or null when there is none. */
    KeyValueEntry newest() throws IOException, JetStreamApiException {
        KeyValueEntry e = pointer.use(nc, kv -> kv.get(NEWEST));
        return e == null || e.getValue() == null ? null : e;
    }

    /** The manifest of a stored snapshot, or null when it is gone or not a snapshot. */
    Manifest manifest(String name) throws IOException, JetStreamApiException {
        ObjectInfo info = nc.objectStore(objects).getInfo(name);
        return info == null || info.isDeleted() ? null : Manifest.fromMetadata(name, info.getMetaData());
    }

    /** Uploads a finished copy under its manifest's name; the object is complete when this returns. */
    void upload(Path file, Manifest manifest) throws IOException, JetStreamApiException {
        ObjectStore os = objectBucket();
        ObjectMeta meta = ObjectMeta.builder(manifest.name()).description(manifest.describe())
                .metadata(manifest.toMetadata()).build();
        try (InputStream in = Files.newInputStream(file)) {
            os.put(meta, in);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** The digest the Object Store keeps of an object ({@code SHA-256=<base64url>}), or null. */
    String digest(String name) throws IOException, JetStreamApiException {
        ObjectInfo info = nc.objectStore(objects).getInfo(name);
        return info == null || info.isDeleted() ? null : info.getDigest();
    }

    /** Streams a snapshot's bytes into {@code out}; jnats checks them against the object's digest and size. */
    void download(String name, OutputStream out) throws IOException, JetStreamApiException, InterruptedException {
        try {
            nc.objectStore(objects).get(name, out);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    void delete(String name) throws IOException, JetStreamApiException {
        nc.objectStore(objects).delete(name);
    }

    /** Points {@code newest} at a complete snapshot, if it still is at {@code expectedRevision} (0: absent). */
    long pointNewest(String name, long expectedRevision) throws IOException, JetStreamApiException {
        byte[] value = name.getBytes(StandardCharsets.UTF_8);
        return pointer.use(nc, kv -> expectedRevision == 0 ? kv.create(NEWEST, value)
                : kv.update(NEWEST, value, expectedRevision));
    }

    /** Takes the taker lease for {@code holder}; its revision, or 0 when another node holds it. */
    long takeLease(String holder) throws IOException, JetStreamApiException {
        try {
            return lease.use(nc, kv -> kv.create(TAKER, holder.getBytes(StandardCharsets.UTF_8)));
        } catch (JetStreamApiException held) {
            return 0;
        }
    }

    /** Renews a held lease; its new revision, or 0 when it was lost (expired and taken by another). */
    long renewLease(String holder, long revision) throws IOException {
        try {
            return lease.use(nc, kv -> kv.update(TAKER, holder.getBytes(StandardCharsets.UTF_8), revision));
        } catch (JetStreamApiException lost) {
            return 0;
        }
    }

    void releaseLease(long revision) throws IOException {
        try {
            lease.use(nc, kv -> {
                kv.delete(TAKER, revision);
                return null;
            });
        } catch (JetStreamApiException lost) {
            // expired and perhaps taken by another: not ours to delete
        }
    }

    private boolean objectsExist() throws IOException, JetStreamApiException {
        try {
            nc.objectStoreManagement().getStatus(objects);
            return true;
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() == NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    private ObjectStore objectBucket() throws IOException, JetStreamApiException {
        if (!objectsExist()) {
            try {
                nc.objectStoreManagement().create(ObjectStoreConfiguration.builder().name(objects).replicas(replicas)
                        .storageType(StorageType.File).build());
            } catch (JetStreamApiException raced) {
                // created by another node at the same moment
            }
        }
        return nc.objectStore(objects);
    }
}
