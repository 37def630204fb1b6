package io.marmot.nats;

import io.marmot.replication.NatsTroubles;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/**
 * Counts what goes wrong with a shared connection so that a connection that keeps dropping is named rather than
 * healed in silence: nats-server cuts a client whose unsent bytes pass its max_pending as a slow consumer without
 * telling it (the client only sees its socket closed, reconnects, and is cut again), and jnats drops messages a
 * subscription cannot take in time (a slow consumer on the client's side). Thread-safe.
 */
final class ConnectionTrouble {
    /** Drops within {@link #WINDOW_MILLIS} that make the connection unhealthy (one is an outage, not a pattern). */
    static final int REPEATED_DROPS = 3;
    static final long WINDOW_MILLIS = 60_000;

    private final LongSupplier clock;
    private final Deque<Long> drops = new ArrayDeque<>();
    private long totalDrops;
    private long slowConsumers;
    private long lastSlowConsumer = Long.MIN_VALUE;
    private long serversLeft;
    private final SaidOnceAWindow heartbeatAlarms = new SaidOnceAWindow();
    private final SaidOnceAWindow pullErrors = new SaidOnceAWindow();

    ConnectionTrouble(LongSupplier clockMillis) {
        this.clock = clockMillis;
    }

    /** A drop of an established connection; returns how many fell within the window (this one included). */
    synchronized int dropped() {
        long now = clock.getAsLong();
        totalDrops++;
        drops.addLast(now);
        forgetOld(now);
        return drops.size();
    }

    /** jnats dropped messages for a subscription that fell behind; returns whether to say so (once a window). */
    synchronized boolean slowConsumer() {
        long now = clock.getAsLong();
        slowConsumers++;
        boolean say = lastSlowConsumer == Long.MIN_VALUE || now - lastSlowConsumer >= WINDOW_MILLIS;
        lastSlowConsumer = now;
        return say;
    }

    /**
     * jnats heard no heartbeat of a consumer for three of them; returns whether to say so: at most once a window, since
     * thousands of idle feeds on a loaded machine raise them now and then (10,000 databases on 2 cores: 24 in 25
     * minutes), and a warning each would bury the one that matters.
     */
    synchronized boolean heartbeatAlarm() {
        return heartbeatAlarms.occurred(clock.getAsLong());
    }

    synchronized long heartbeatAlarms() {
        return heartbeatAlarms.count;
    }

    /**
     * The server answered a pull with an error status (a consumer deleted, a request refused): jnats' ordered
     * consumers recover on their own and the feeds' watchdog covers one that stays silent, but a storm of them (jnats
     * 2.26 once drew 168,000 refusals in half a minute) is worth a line. Returns whether to say so (once a window).
     */
    synchronized boolean pullError() {
        return pullErrors.occurred(clock.getAsLong());
    }

    synchronized long pullErrors() {
        return pullErrors.count;
    }

    /**
     * Whether a pull's status (jnats: an error, else a warning) is a refusal worth counting. Not: the ends of pulls
     * (no messages, a request timed out, a batch completed, a server shutting down or changing leader: jnats pulls
     * again) and a consumer deleted (a feed stopped or read again by this engine, or an ordered consumer's reset).
     */
    static boolean refusal(String message, boolean error) {
        String m = message == null ? "" : message;
        return error ? !m.contains("Consumer Deleted") : m.contains("Exceeds MaxBytes");
    }

    synchronized long totalDrops() {
        return totalDrops;
    }

    synchronized long slowConsumers() {
        return slowConsumers;
    }

    /** The server connected to said another server of its cluster left (logged each time: it is rare). */
    synchronized void serverLeft() {
        serversLeft++;
    }

    /** Everything counted so far. */
    synchronized NatsTroubles counts() {
        return new NatsTroubles(totalDrops, slowConsumers, heartbeatAlarms.count, pullErrors.count, serversLeft);
    }

    /** What is wrong now, for the node's health; empty when nothing is. */
    synchronized String problem() {
        long now = clock.getAsLong();
        forgetOld(now);
        if (drops.size() >= REPEATED_DROPS) {
            return "the NATS connection dropped " + drops.size() + " times in " + WINDOW_MILLIS / 1000 + " s: nats-server"
                    + " may be cutting it as a slow consumer (its log says 'Slow Consumer Detected'); changes are"
                    + " read again after each reconnect";
        }
        if (lastSlowConsumer != Long.MIN_VALUE && now - lastSlowConsumer < WINDOW_MILLIS) {
            return "NATS slow consumer: the client dropped messages a feed could not take in time (" + slowConsumers
                    + " so far); the feeds read them again";
        }
        return "";
    }

    private void forgetOld(long now) {
        while (!drops.isEmpty() && now - drops.peekFirst() >= WINDOW_MILLIS) {
            drops.pollFirst();
        }
    }

    /** How often something happened, said at most once a {@link #WINDOW_MILLIS}. */
    private static final class SaidOnceAWindow {
        long count;
        private long lastSaid = Long.MIN_VALUE;

        /** Counts one; whether to say so. */
        boolean occurred(long now) {
            count++;
            boolean say = lastSaid == Long.MIN_VALUE || now - lastSaid >= WINDOW_MILLIS;
            if (say) {
                lastSaid = now;
            }
            return say;
        }
    }
}
