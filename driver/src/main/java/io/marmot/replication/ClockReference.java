package io.marmot.replication;

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

    private final Deque<long[]> samples = new ArrayDeque<>(); // {offset, round trip}
    private volatile long offset;
    private volatile boolean known;

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
    }

    /** Milliseconds ahead of the reference; 0 until the first sample. */
    long offsetMillis() {
        return offset;
    }

    boolean known() {
        return known;
    }
}
