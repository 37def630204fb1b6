package io.marmot.sqlite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * Tells, by one {@code stat}, that a file was not written since a moment: its identity, size and modification
 * time are those seen then, and that modification time lay well before the moment (a write after it would carry a
 * later time, whatever the file system's timestamp granularity). Lets a poller skip its SQL on an idle database:
 * every commit in WAL mode, whoever makes it, writes the {@code -wal} file.
 */
public final class QuietFile {
    /** Far beyond any file system's timestamp granularity and the kernel's coarse clock. */
    private static final long MARGIN_MILLIS = 2_000;

    private final Path file;
    private Object key;
    private long size = -1;
    private long modified;
    private long lookedAt;

    public QuietFile(Path file) {
        this.file = file;
    }

    /** Call just before looking at the database: remembers the file as it is now. */
    public void looking() {
        lookedAt = System.currentTimeMillis();
        BasicFileAttributes a = attributes();
        key = a == null ? null : a.fileKey();
        size = a == null ? -1 : a.size();
        modified = a == null ? 0 : a.lastModifiedTime().toMillis();
    }

    /** True when the file exists and certainly was not written since the last {@link #looking()}. */
    public boolean unchangedSinceLastLook() {
        if (size < 0 || modified > lookedAt - MARGIN_MILLIS) {
            return false;
        }
        BasicFileAttributes a = attributes();
        return a != null && a.size() == size && a.lastModifiedTime().toMillis() == modified
                && Objects.equals(a.fileKey(), key);
    }

    /** What one {@code stat} tells of the file since the last {@link #looking()}. */
    public enum Change {
        /** As it was then, and last written well before: certainly not written since. */
        NONE,
        /** As it was then, but written too shortly before to tell a write in the same clock tick. */
        MAYBE,
        /** Another size, time or file (or none): written since. */
        WRITTEN
    }

    /**
     * One {@code stat}, telling a write certainly made since the last look ({@link Change#WRITTEN}) from one that cannot
     * be ruled out ({@link Change#MAYBE}): a poller acts on both, but speeds up only for the first.
     */
    public Change change() {
        BasicFileAttributes a = attributes();
        if (size < 0 || a == null || a.size() != size || a.lastModifiedTime().toMillis() != modified
                || !Objects.equals(a.fileKey(), key)) {
            return Change.WRITTEN;
        }
        return modified > lookedAt - MARGIN_MILLIS ? Change.MAYBE : Change.NONE;
    }

    private BasicFileAttributes attributes() {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
