package io.marmot.replication;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one engine, read by tests, the sidecar's /metrics and /health. */
public final class ReplicationStats {
    final AtomicLong publishedMessages = new AtomicLong();
    final AtomicLong publishedChanges = new AtomicLong();
    final AtomicLong appliedMessages = new AtomicLong();
    final AtomicLong appliedChanges = new AtomicLong();
    final AtomicLong staleChanges = new AtomicLong();
    final AtomicLong rejectedMessages = new AtomicLong();
    final AtomicLong parkedMessages = new AtomicLong();
    final AtomicLong missedMessages = new AtomicLong();
    final AtomicLong pendingChanges = new AtomicLong();
    final AtomicLong lastLagMillis = new AtomicLong();
    volatile boolean outOfSync;

    public record Snapshot(long publishedMessages, long publishedChanges, long appliedMessages, long appliedChanges,
            long staleChanges, long rejectedMessages, long parkedMessages, long missedMessages, long pendingChanges,
            long lastLagMillis, boolean outOfSync) {
    }

    public Snapshot snapshot() {
        return new Snapshot(publishedMessages.get(), publishedChanges.get(), appliedMessages.get(), appliedChanges.get(),
                staleChanges.get(), rejectedMessages.get(), parkedMessages.get(), missedMessages.get(),
                pendingChanges.get(), lastLagMillis.get(), outOfSync);
    }
}
