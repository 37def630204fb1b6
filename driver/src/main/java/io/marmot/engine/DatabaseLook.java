package io.marmot.engine;

import io.marmot.publish.Publisher;
import io.marmot.replication.LocalLooks;
import io.marmot.sqlite.QuietFile;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One database's local look, made by the JVM's sweep ({@link LocalLooks}): one {@code stat} of the WAL tells both the
 * publisher (commits of other processes) and the schema watcher (their DDL) whether it was written since the last
 * look, and only then do they act, on their own pools; the schema fingerprints and the applier hear of it too, and once a second the
 * health watch looks. Every commit
 * in WAL mode, whoever makes it, writes the WAL, so an untouched WAL means nothing to do.
 */
final class DatabaseLook implements LocalLooks.Look {
    private static final long HEALTH_NANOS = TimeUnit.MILLISECONDS.toNanos(HealthWatch.EVERY_MILLIS);

    private final QuietFile wal;
    private final SchemaWatcher watcher;
    /** Null without replication, as the health watch. */
    private final Publisher publisher;
    private final SchemaFingerprints fingerprints;
    private final HealthWatch health;
    /** Null without an applier: told of a write, as its idle ticks wait for the feeds' looks only (Applier.written). */
    private final Runnable applier;
    private long healthAt = System.nanoTime();
    private volatile LocalLooks.Entry entry;

    DatabaseLook(Path database, SchemaWatcher watcher, Publisher publisher, SchemaFingerprints fingerprints,
            HealthWatch health, Runnable applier) {
        this.applier = applier;
        this.wal = new QuietFile(Path.of(database + "-wal"));
        this.watcher = watcher;
        this.publisher = publisher;
        this.fingerprints = fingerprints;
        this.health = health;
    }

    /** Joins the sweep: looks every {@code pollInterval} after activity, at least once a second. */
    void start(LocalLooks looks, java.time.Duration pollInterval) {
        entry = looks.add(pollInterval, this);
    }

    /** A commit through the driver: its publisher need not wait for the look. */
    void committed() {
        if (publisher != null) {
            publisher.wake();
        }
    }

    /** No look starts after this (one running on the sweep's thread may end). */
    void close() {
        LocalLooks.Entry e = entry;
        if (e != null) {
            e.close();
        }
    }

    @Override
    public boolean look() {
        // Remembered before they act: a commit from now on is seen by the next look, one before it by their reads.
        QuietFile.Change change = wal.change();
        boolean written = change != QuietFile.Change.NONE;
        if (written) {
            wal.looking();
        }
        // The fingerprints read through the watcher's connection: after such a read the watcher looks, to let it go.
        watcher.look(written || fingerprints != null && fingerprints.usedReads());
        if (publisher != null) {
            publisher.poll(written);
        }
        if (written && applier != null) {
            applier.run();
        }
        long now = System.nanoTime();
        if (fingerprints != null) {
            fingerprints.look(written, now);
        }
        // The sweep is early rather than late: a look a little short of a second after the last one counts.
        if (health != null && now - healthAt >= HEALTH_NANOS * 9 / 10) {
            healthAt = now;
            health.look(); // nothing but a flag unless a listener is registered; else figures in memory
        }
        // Only a write seen speeds the looks up: the two seconds after the last one, when a write cannot be ruled out,
        // are looked at as the pace slows (as the old publisher's polls did), not ten times a second.
        return change == QuietFile.Change.WRITTEN;
    }
}
