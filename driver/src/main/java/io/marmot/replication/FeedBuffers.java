package io.marmot.replication;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the stream feeds of every engine of this JVM hold, received and not yet applied, so that together they stay
 * under one memory budget; and how often one paused for it. One per {@link MarmotRuntime}.
 */
public final class FeedBuffers {
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong pauses = new AtomicLong();

    /** Adds (or, negative, takes away) buffered bytes; returns the JVM's total. */
    public long add(long delta) {
        return bytes.addAndGet(delta);
    }

    public long bytes() {
        return bytes.get();
    }

    public void paused() {
        pauses.incrementAndGet();
    }

    /** How often a feed of this JVM paused for a full buffer. */
    public long pauses() {
        return pauses.get();
    }
}
