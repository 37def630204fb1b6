package io.marmot.engine;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * How far this node's clock runs ahead of the NATS server's (negative: behind), the shared reference of the
 * cluster. Each sample is a write whose server timestamp is known, bracketed by local readings before and after:
 * the server stamped it somewhere in between, so the offset is known to within half the round trip. The estimate
 * is the recent sample with the shortest round trip, the one with the smallest error (NTP's clock filter).
 */
final class ClockReference {
    private static final int KEEP = 9;
    /**
     * Samples come this often (the claims renewed in between write without reading back): a clock drifts slowly, and
     * a thousand databases reading back every 15 s cost the server 67 requests a second while idle.
     */
    private static final long SAMPLE_EVERY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    private volatile long sampledAt;

    private final Deque<long[]> samples = new ArrayDeque<>(); // {offset, round trip}
    private volatile long offset;
    private volatile boolean known;
    private boolean warnedSkew;

    /** A write stamped {@code serverMillis} by the server, sent at {@code before} and answered at {@code after}. */
    synchronized void sample(long before, long serverMillis, long after) {
        if (after < before) {
            return; // the local clock stepped back meanwhile: this sample says nothing
        }
        samples.addLast(new long[] {before + (after - before) / 2 - serverMillis, after - before});
        if (samples.size() > KEEP) {
            samples.removeFirst();
        }
        long[] best = samples.getFirst();
        for (long[] sample : samples) {
            if (sample[1] < best[1]) {
                best = sample;
            }
        }
        offset = best[0];
        known = true;
        sampledAt = System.nanoTime();
    }

    /** Whether the next claim should sample the clock: none yet, or the last one is {@code SAMPLE_EVERY} old. */
    boolean sampleDue() {
        return !known || System.nanoTime() - sampledAt >= SAMPLE_EVERY_NANOS;
    }

    /** Says once (until it is back within) that this clock is off by more than {@code skewMillis}. */
    void warnIfSkewed(long nodeId, long skew) {
        boolean skewed = Math.abs(offset) > skew;
        if (skewed && !warnedSkew) {
            org.slf4j.LoggerFactory.getLogger(Replication.class).warn("{} - this node's clock is {} ms {} the NATS"
                    + " server's, more than max-clock-skew ({} ms): its versions are held to that bound. Fix the clock"
                    + " (NTP).", nodeId, Math.abs(offset), offset > 0 ? "ahead of" : "behind", skew);
        }
        warnedSkew = skewed;
    }

    /** Milliseconds ahead of the reference; 0 until the first sample. */
    long offsetMillis() {
        return offset;
    }

    boolean known() {
        return known;
    }
}
