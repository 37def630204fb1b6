package io.marmot.engine;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which thread of this JVM holds each cluster lock of an engine. The lock in NATS names the node, not the thread:
 * without this, code that takes the lock while its caller already holds it (Flyway's database support inside the
 * application's own {@code Marmot.clusterLock}) would wait for itself until the timeout. Other threads still wait.
 */
final class LockOwners {
    private final Map<String, Thread> owners = new ConcurrentHashMap<>();

    /** Whether the current thread holds the lock {@code name}. */
    boolean heldHere(String name) {
        return owners.get(name) == Thread.currentThread();
    }

    /** Records the current thread as the holder of a lock just acquired; releasing the returned handle forgets it. */
    AutoCloseable owned(String name, AutoCloseable held) {
        Thread owner = Thread.currentThread();
        owners.put(name, owner);
        return () -> {
            owners.remove(name, owner);
            held.close();
        };
    }
}
