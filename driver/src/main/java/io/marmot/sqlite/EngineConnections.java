package io.marmot.sqlite;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM's bound on the engines' own connections open at once (publishers', appliers', schema watchers'). Each such
 * connection holds two descriptors (the database and its WAL) and the database's shared memory one more, and an engine
 * keeps a connection a few seconds after its last work so that a busy database does not reopen all the time: ten
 * thousand databases written at once wanted more descriptors than the process had. Past the bound, the connections
 * used longest ago that are between two steps are let go; their owners open again at their next step (a schema load
 * and their statements, as after a quiet while). Connections in a step are never taken, so the bound can be passed by
 * as many connections as steps run at once, never more.
 */
public final class EngineConnections {
    /** One connection the bound counts: its owner lets it go when no step uses it. */
    public interface Holder {
        /** Closes the connection unless a step is using it; true when it was closed. */
        boolean letGoIfIdle();
    }

    /** The system property that sets the bound (connections open at once in this JVM). */
    public static final String BOUND_PROPERTY = "marmot.engineConnections";
    private static final Logger log = LoggerFactory.getLogger(EngineConnections.class);
    private static final int MOST = 4096;
    private static final int LEAST = 16;

    private final int bound;
    /** Per database, its connections open; databases in the order of their last use, least recent first. */
    private final LinkedHashMap<Path, Set<Holder>> open = new LinkedHashMap<>(64, 0.75f, true);
    private final AtomicLong letGo = new AtomicLong();
    /** Written under this object's lock, read without it on every step's end. */
    private volatile int count;
    private int most;

    public EngineConnections(int bound) {
        if (bound < 1) {
            throw new IllegalArgumentException(BOUND_PROPERTY + " must be at least 1, not " + bound);
        }
        this.bound = bound;
    }

    /**
     * The bound for a process that may hold {@code maxDescriptors}: a sixth of them (with three descriptors a connection,
     * half the process's stay for the application and the rest of the engine), {@value #MOST} at most and {@value
     * #LEAST} at least, unless {@link #BOUND_PROPERTY} says.
     */
    public static EngineConnections forProcess(long maxDescriptors) {
        String set = System.getProperty(BOUND_PROPERTY);
        if (set != null) {
            try {
                return new EngineConnections(Integer.parseInt(set.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(BOUND_PROPERTY + " must be a whole number, not '" + set + "'", e);
            }
        }
        long share = maxDescriptors <= 0 ? MOST : maxDescriptors / 6;
        return new EngineConnections((int) Math.max(LEAST, Math.min(MOST, share)));
    }

    public synchronized void opened(Path database, Holder h) {
        if (open.computeIfAbsent(database, d -> new HashSet<>()).add(h)) {
            count = count + 1;
            most = Math.max(most, count);
        }
    }

    /**
     * The database's connection was used: its database is the last to be let go. Far below the bound the order does not
     * matter yet, and every step's end costs no lock: past half of it, the order of use is kept.
     */
    public void used(Path database) {
        if (count > bound / 2) {
            synchronized (this) {
                open.get(database);
            }
        }
    }

    public synchronized void closed(Path database, Holder h) {
        Set<Holder> held = open.get(database);
        if (held != null && held.remove(h)) {
            count = count - 1;
            if (held.isEmpty()) {
                open.remove(database);
            }
        }
    }

    /**
     * Lets the connections of the databases used longest ago go while more than the bound are open, all of a database's
     * at once: SQLite keeps a closed connection's database descriptor while another connection of the process still
     * holds the file, so one of three closed would give back little. Called after a step, holding no connection's lock
     * (a holder's {@link Holder#letGoIfIdle} takes its own).
     */
    public void settle() {
        if (count <= bound) {
            return; // every step's end: no lock while under the bound
        }
        for (int round = 0; round < 4; round++) {
            List<List<Holder>> oldest = new ArrayList<>();
            synchronized (this) {
                int over = count - bound;
                if (over <= 0) {
                    return;
                }
                int taken = 0;
                for (Set<Holder> held : open.values()) {
                    oldest.add(new ArrayList<>(held));
                    taken += held.size();
                    if (taken >= over + 8) {
                        break;
                    }
                }
            }
            int closed = 0;
            for (List<Holder> database : oldest) {
                if (openCount() <= bound) {
                    return;
                }
                for (Holder h : database) {
                    if (h.letGoIfIdle()) {
                        closed++;
                        letGo.incrementAndGet();
                    }
                }
            }
            if (closed == 0) {
                log.debug("{} engine connections open, bound {}: every one looked at is in a step", openCount(), bound);
                return;
            }
        }
    }

    public int bound() {
        return bound;
    }

    public int openCount() {
        return count;
    }

    /** The most open at once since this runtime started. */
    public synchronized int mostOpen() {
        return most;
    }

    /** Connections let go because the bound was reached. */
    public long letGo() {
        return letGo.get();
    }
}
