package io.marmot.replication;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this process holds so many of its file descriptors that the engines let go of their connections at the
 * first quiet moment instead of a few seconds later. Every open engine connection holds two or three descriptors, and
 * a database stays connected for several seconds after its last work so that a busy one does not reopen all the
 * time; ten thousand databases opened together held more than the process's 20,000, and then SQLite could open
 * nothing (the application's connections included). Read once a second by the runtime's sweep thread: high above
 * {@value #HIGH_PERCENT} % of the limit, low again below {@value #LOW_PERCENT} %.
 */
public final class DescriptorPressure implements Runnable {
    static final int HIGH_PERCENT = 50;
    static final int LOW_PERCENT = 40;
    /** Above this, a database about to be opened waits ({@link #awaitRoom}). */
    static final int FULL_PERCENT = 75;
    private static final Logger log = LoggerFactory.getLogger(DescriptorPressure.class);

    private final UnixOperatingSystemMXBean os;
    private volatile boolean high;
    /** The share of the limit open at the last reading. */
    private volatile long percent;

    DescriptorPressure() {
        OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
        this.os = bean instanceof UnixOperatingSystemMXBean unix ? unix : null;
    }

    /** Whether engines should close a connection as soon as it has nothing to do. */
    public boolean high() {
        return high;
    }

    /**
     * Waits, at most {@code bound}, while more than {@value #FULL_PERCENT} % of the process's descriptors are open: an
     * engine started then would take descriptors that are not there (SQLite fails to open files), while the engines
     * running close theirs as they go quiet. Returns whether there was room.
     */
    public boolean awaitRoom(java.time.Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        boolean logged = false;
        while (percent >= FULL_PERCENT) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            if (!logged) {
                log.info("{} % of this process's file descriptors are open: an engine's start waits (at most {} s)",
                        percent, bound.toSeconds());
                logged = true;
            }
            Thread.sleep(100); // bounded by the deadline; the reading changes once a second
        }
        return true;
    }

    /** The process's limit on open descriptors, or 0 when it cannot be read here. */
    long limit() {
        return os == null ? 0 : os.getMaxFileDescriptorCount();
    }

    /** Whether the process's descriptors can be read here (not on Windows). */
    boolean measurable() {
        return os != null;
    }

    @Override
    public void run() {
        long max = os.getMaxFileDescriptorCount();
        long open = os.getOpenFileDescriptorCount();
        if (max <= 0 || open < 0) {
            return;
        }
        long percent = 100 * open / max;
        this.percent = percent;
        if (!high && percent >= HIGH_PERCENT) {
            high = true;
            log.info("{} of this process's {} file descriptors are open: Marmot's engines close their connections to"
                    + " idle databases at once until fewer than {} % are", open, max, LOW_PERCENT);
        } else if (high && percent < LOW_PERCENT) {
            high = false;
            log.info("{} of {} file descriptors open: engines keep idle connections a few seconds again", open, max);
        }
    }
}
