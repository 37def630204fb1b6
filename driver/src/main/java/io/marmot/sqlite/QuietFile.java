package io.marmot.sqlite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Tells, by a {@code stat} or two, that a database's WAL was not written since a moment: its identity, size and
 * modification time are those seen then, and that modification time lay well before the moment (a write after it
 * would carry a later time, whatever the file system's timestamp granularity). Lets a poller skip its SQL on an idle
 * database: every commit in WAL mode, whoever makes it, writes the {@code -wal} file. A WAL that held nothing then
 * (gone, or created empty by a reader) counts as unchanged while it still holds nothing and the database file itself
 * was not written: the last connection of all processes to close checkpoints the WAL into the database and deletes
 * it, and the next one to open creates it empty, neither a commit; a commit that came and went between two looks
 * wrote the database file.
 */
public final class QuietFile {
    /** Far beyond any file system's timestamp granularity and the kernel's coarse clock. */
    private static final long MARGIN_MILLIS = 2_000;

    private final Path file;
    private final Path database;
    private Seen wal;
    private Seen db;
    private long lookedAt;

    /** @param file a database's {@code -wal} file (the database is the same name without {@code -wal}) */
    public QuietFile(Path file) {
        this.file = file;
        String name = file.toString();
        this.database = name.endsWith("-wal") ? Path.of(name.substring(0, name.length() - 4)) : file;
    }

    /** Call just before looking at the database: remembers the files as they are now. */
    public void looking() {
        lookedAt = System.currentTimeMillis();
        wal = Seen.of(file);
        db = Seen.of(database);
    }

    /** True when the database certainly had no commit since the last {@link #looking()}. */
    public boolean unchangedSinceLastLook() {
        return change() == Change.NONE;
    }

    /** What a {@code stat} (two while the WAL is empty or gone) tells of the database since the last {@link #looking()}. */
    public enum Change {
        /** As it was then, and last written well before: certainly not written since. */
        NONE,
        /** As it was then, but written too shortly before to tell a write in the same clock tick. */
        MAYBE,
        /** Another size, time or file (or none): written since. */
        WRITTEN
    }

    /**
     * Tells a write certainly made since the last look ({@link Change#WRITTEN}) from one that cannot be ruled out
     * ({@link Change#MAYBE}): a poller acts on both, but speeds up only for the first. While the WAL is empty or gone
     * (the last connection checkpointed it), a commit shows in the database file.
     */
    public Change change() {
        if (wal == null) {
            return Change.WRITTEN;
        }
        Seen walNow = Seen.of(file);
        if (wal.empty()) {
            if (!walNow.empty() || !db.exists() || !db.equals(Seen.of(database))) {
                return Change.WRITTEN;
            }
            return db.settled(lookedAt) ? Change.NONE : Change.MAYBE;
        }
        if (!wal.equals(walNow)) {
            return Change.WRITTEN;
        }
        return wal.settled(lookedAt) ? Change.NONE : Change.MAYBE;
    }

    /** A file's identity, size and modification time (equal records: the same), or that it is not there (size -1). */
    private record Seen(Object key, long size, long modified) {
        static Seen of(Path p) {
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                return new Seen(a.fileKey(), a.size(), a.lastModifiedTime().toMillis());
            } catch (IOException | UnsupportedOperationException e) {
                return new Seen(null, -1, 0);
            }
        }

        boolean exists() {
            return size >= 0;
        }

        boolean empty() {
            return size <= 0;
        }

        boolean settled(long lookedAt) {
            return modified <= lookedAt - MARGIN_MILLIS;
        }

    }
}
