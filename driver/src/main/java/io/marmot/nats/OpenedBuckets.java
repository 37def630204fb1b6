package io.marmot.nats;

import io.marmot.replication.MarmotRuntime;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The key-value buckets opened on each NATS connection of this JVM, shared by every engine using it: opening one asks
 * the server twice (its status, then the bucket), and the databases of a tenant (its replicas, which share the tenant's
 * buckets) each asked again; a thousand databases opening at once asked two thousand times for their claims' bucket
 * alone. Kept by {@link NatsShared}; a bucket whose use failed is forgotten here too, so the next look opens (and if
 * need be creates) it again.
 */
final class OpenedBuckets {
    /** Guarded by this; weak keys: a closed connection's buckets go with it. */
    private final Map<Connection, Map<String, KeyValue>> opened = new WeakHashMap<>();
    /** One opening of a bucket at a time per connection and name, so engines starting together ask once. */
    private final Map<Connection, Map<String, Object>> opening = new WeakHashMap<>();

    interface Open {
        KeyValue open() throws IOException, JetStreamApiException;
    }

    /** This JVM's buckets, or null when no runtime is open (a bucket then keeps its own). */
    static OpenedBuckets of() {
        MarmotRuntime runtime = MarmotRuntime.existing();
        return runtime == null ? null : NatsShared.of(runtime).buckets;
    }

    /** The bucket {@code name} on {@code nc}, opened by {@code open} unless another engine has done so. */
    KeyValue open(Connection nc, String name, Open open) throws IOException, JetStreamApiException {
        Object lock;
        synchronized (this) {
            KeyValue kv = opened.getOrDefault(nc, Map.of()).get(name);
            if (kv != null) {
                return kv;
            }
            lock = opening.computeIfAbsent(nc, c -> new HashMap<>()).computeIfAbsent(name, n -> new Object());
        }
        synchronized (lock) {
            synchronized (this) {
                KeyValue kv = opened.getOrDefault(nc, Map.of()).get(name);
                if (kv != null) {
                    return kv;
                }
            }
            KeyValue kv = open.open();
            synchronized (this) {
                opened.computeIfAbsent(nc, c -> new HashMap<>()).put(name, kv);
            }
            return kv;
        }
    }

    /** Using {@code kv} failed: the next {@link #open} asks the server again. */
    synchronized void forget(Connection nc, String name, KeyValue kv) {
        Map<String, KeyValue> buckets = opened.get(nc);
        if (buckets != null) {
            buckets.remove(name, kv);
        }
    }

    synchronized void clear() {
        opened.clear();
        opening.clear();
    }
}
