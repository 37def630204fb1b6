package io.marmot.replication;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's threads: named after the node and their job, daemons, so they never keep the JVM alive, and below the
 * application's priority. Where the operating system honours Java's priorities (Linux only with {@code
 * -XX:ThreadPriorityPolicy=1}, docs/operations.md), a writer sharing its cores with the publisher, the applier and
 * nats-server then gets them first, and replication works off what it wrote when they are free.
 */
public final class Daemons {
    /** The Java priority (1-10) of Marmot's threads: {@code -Dmarmot.threadPriority=5} puts them beside the application's. */
    public static final String PRIORITY_PROPERTY = "marmot.threadPriority";
    /** By default the lowest: with {@code -XX:ThreadPriorityPolicy=1} on Linux, nice 4. */
    public static final int DEFAULT_PRIORITY = Thread.MIN_PRIORITY;

    private static final Logger log = LoggerFactory.getLogger(Daemons.class);

    private Daemons() {
    }

    /** A thread at Marmot's priority, not started. */
    public static Thread thread(String name, Runnable work) {
        Thread t = normalThread(name, work);
        t.setPriority(priority());
        return t;
    }

    /**
     * A thread at the normal priority, not started: for one that starts processes, which inherit the operating
     * system's priority of the thread that started them (it cannot be raised again without privileges).
     */
    public static Thread normalThread(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        t.setPriority(Thread.NORM_PRIORITY);
        return t;
    }

    /** Threads numbered {@code name-1}, {@code name-2}, … for executors. */
    public static ThreadFactory factory(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> thread(name + "-" + n.incrementAndGet(), r);
    }

    /** {@link #PRIORITY_PROPERTY}, read at each thread's making (they are few, and a runtime makes them once). */
    static int priority() {
        String set = System.getProperty(PRIORITY_PROPERTY);
        if (set == null) {
            return DEFAULT_PRIORITY;
        }
        try {
            int p = Integer.parseInt(set.trim());
            if (p >= Thread.MIN_PRIORITY && p <= Thread.MAX_PRIORITY) {
                return p;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        log.warn("-D{}={} is not a Java thread priority (1 to 10): Marmot's threads run at {}", PRIORITY_PROPERTY, set,
                DEFAULT_PRIORITY);
        return DEFAULT_PRIORITY;
    }
}
