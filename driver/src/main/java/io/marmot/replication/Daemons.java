package io.marmot.replication;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** The engine's threads: named after the node and their job, and daemons, so they never keep the JVM alive. */
public final class Daemons {
    private Daemons() {
    }

    /** A thread, not started. */
    public static Thread thread(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        return t;
    }

    /** Threads numbered {@code name-1}, {@code name-2}, … for executors. */
    public static ThreadFactory factory(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> thread(name + "-" + n.incrementAndGet(), r);
    }
}
