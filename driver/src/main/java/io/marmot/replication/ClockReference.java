package io.marmot.replication;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * How far this node's clock runs ahead of the NATS server's (negative: behind), the shared reference of the
 * cluster. Each sample is a write whose server timestamp is known, bracketed by local readings before and after:
 * the server stamped it somewhere in between, so the offset is known to within half the round trip. The estimate
 * is the median of the recent samples with the shortest round trips.
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
        long[][] byRoundTrip = samples.toArray(new long[0][]);
        Arrays.sort(byRoundTrip, (a, b) -> Long.compare(a[1], b[1]));
        long[] best = new long[(byRoundTrip.length + 1) / 2];
        for (int i = 0; i < best.length; i++) {
            best[i] = byRoundTrip[i][0];
        }
        Arrays.sort(best);
        offset = best[best.length / 2];
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
