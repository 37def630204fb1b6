package io.marmot.engine;

import io.marmot.publish.Publisher;
import io.marmot.replication.LocalLooks;
import io.marmot.sqlite.QuietFile;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One database's local look, made by the JVM's sweep ({@link LocalLooks}): one {@code stat} of the WAL tells both the
 * publisher (commits of other processes) and the schema watcher (their DDL) whether it was written since the last
 * look, and only then do they act, on their own pools; once a second it also lets the health watch look. Every commit
 * in WAL mode, whoever makes it, writes the WAL, so an untouched WAL means nothing to do.
 */
final class DatabaseLook implements LocalLooks.Look {
    private static final long HEALTH_NANOS = TimeUnit.MILLISECONDS.toNanos(HealthWatch.EVERY_MILLIS);

    private final QuietFile wal;
    private final SchemaWatcher watcher;
    /** Null without replication, as the health watch. */
    private final Publisher publisher;
    private final HealthWatch health;
    private long healthAt = System.nanoTime();

    DatabaseLook(Path database, SchemaWatcher watcher, Publisher publisher, HealthWatch health) {
        this.wal = new QuietFile(Path.of(database + "-wal"));
        this.watcher = watcher;
        this.publisher = publisher;
        this.health = health;
    }

    @Override
    public boolean look() {
        // Remembered before they act: a commit from now on is seen by the next look, one before it by their reads.
        boolean written = !wal.unchangedSinceLastLook();
        if (written) {
            wal.looking();
        }
        watcher.look(written);
        if (publisher != null) {
            publisher.poll(written);
        }
        long now = System.nanoTime();
        // The sweep is early rather than late: a look a little short of a second after the last one counts.
        if (health != null && now - healthAt >= HEALTH_NANOS * 9 / 10) {
            healthAt = now;
            health.look(); // nothing but a flag unless a listener is registered; else figures in memory
        }
        return written;
    }
}
