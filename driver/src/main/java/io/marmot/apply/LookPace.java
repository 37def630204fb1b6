package io.marmot.apply;

import java.util.concurrent.TimeUnit;

/**
 * When the {@link FeedWatchdog} looks next: every {@value #LOOK_EVERY_SECONDS} s while the feeds are active; once they
 * are idle, spaced out (doubling) up to every {@value #IDLE_LOOK_EVERY_SECONDS} s, reading the streams' ends from the
 * listing the connection shares. For {@value #ALERT_SECONDS} s after a server of the cluster left, every
 * {@value #ALERT_LOOK_EVERY_SECONDS} s at most: a feed whose consumer lived there delivers nothing and says nothing
 * (jnats notices after 90 s or more), and rows written after the death would wait for an idle look (24-26 s after
 * the kill in ConsumerHostKilledTest, 7-18 s with this pace).
 * Used on the applier's step only, but {@link #serverLeft} which any thread may call.
 */
final class LookPace {
    static final long LOOK_EVERY_SECONDS = 2;
    private static final long LOOK_EVERY_NANOS = TimeUnit.SECONDS.toNanos(LOOK_EVERY_SECONDS);
    /** The longest wait between looks while idle: a feed stalled meanwhile is found at most this plus 5 s later. */
    static final long IDLE_LOOK_EVERY_SECONDS = 20;
    static final long ALERT_LOOK_EVERY_SECONDS = 4;
    static final long ALERT_SECONDS = 120;

    private long interval = LOOK_EVERY_NANOS;
    private long nextLook = System.nanoTime() + LOOK_EVERY_NANOS;
    private long alertUntil = System.nanoTime();
    private volatile long serverLeftAt;
    private long serverLeftTaken;

    boolean due() {
        long now = System.nanoTime();
        long left = serverLeftAt;
        if (left != serverLeftTaken) {
            serverLeftTaken = left;
            alertUntil = left + TimeUnit.SECONDS.toNanos(ALERT_SECONDS);
            interval = Math.min(interval, TimeUnit.SECONDS.toNanos(ALERT_LOOK_EVERY_SECONDS));
            nextLook = now;
        }
        return now - nextLook >= 0;
    }

    /** How long until the next look is due (negative: overdue). */
    long nanosUntilDue() {
        return nextLook - System.nanoTime();
    }

    /** Whether the feeds were active lately (the looks come every few seconds, not spaced out). */
    boolean watching() {
        return interval == LOOK_EVERY_NANOS;
    }

    /** Whether looks are spaced out, and so read the streams' ends from the shared listing. */
    boolean idle() {
        return interval > LOOK_EVERY_NANOS;
    }

    /** Something happened (a delivery, a new binding): look again soon. */
    void soon() {
        interval = LOOK_EVERY_NANOS;
        long next = System.nanoTime() + LOOK_EVERY_NANOS;
        if (next - nextLook < 0) {
            nextLook = next;
        }
    }

    /** A server of the cluster left: look at the next step, then often for a while (any thread; wake the applier). */
    void serverLeft() {
        serverLeftAt = System.nanoTime();
    }

    /**
     * The oldest shared listing an idle look takes its ends from: a quarter of the spacing, so that idle looks come
     * every 15 to 20 s (each a step of the applier) and one listing every 5 s serves every database of the connection
     * (500 streams listed every 10 s cost nats-server about 0.03 % of a core; asked for one by one, 50 a second as
     * 1,000 idle databases did, 1.5 %). Such an end is older than the look: the next look then comes at most the
     * spacing after the listing was asked for, so that a message published meanwhile is seen within that bound.
     */
    long listingAtMostNanos(long now) {
        return spacing(now) / 4;
    }

    /**
     * After a look at {@code now} that relied on ends read at {@code seen}: when the next comes.
     *
     * @return the wait until then
     */
    long next(boolean active, long seen, long now) {
        long spacing = spacing(now);
        interval = active ? LOOK_EVERY_NANOS : Math.min(interval * 2, spacing);
        long wait = Math.min(interval, seen + spacing - now);
        nextLook = now + wait;
        return wait;
    }

    private long spacing(long now) {
        return TimeUnit.SECONDS.toNanos(now - alertUntil < 0 ? ALERT_LOOK_EVERY_SECONDS : IDLE_LOOK_EVERY_SECONDS);
    }
}
