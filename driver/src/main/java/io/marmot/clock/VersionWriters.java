package io.marmot.clock;

/**
 * What the parts of one engine that write its database's row versions share, handed to each by constructor (the
 * publisher's log upkeep, the applier's writer, repair, snapshot merges, the schema watcher, DDL through the driver):
 * the collector of the keys whose versions changed, which verification drains, and the turn that folds of a backlog of
 * local changes take.
 */
public final class VersionWriters {
    private final ChangedKeys changed;
    private final Object catchUpTurn = new Object();
    private int followedSchema = -1;

    /** @param changed the collector of changed keys; null when nothing verifies (no need to collect then) */
    public VersionWriters(ChangedKeys changed) {
        this.changed = changed;
    }

    /** For a file no engine runs on (a snapshot's copy, a merge before the engine starts): nothing to share. */
    public static VersionWriters alone() {
        return new VersionWriters(null);
    }

    /** The collector of changed keys, or null. */
    public ChangedKeys changed() {
        return changed;
    }

    /**
     * The schema version capture was last brought in step with (-1: none yet), by whichever part did it in its own
     * transaction: the start's set-up, DDL through the driver, a peer's schema change applied, the schema watcher.
     * The watcher follows only a version none of them followed: a thousand tenants creating their tables at start
     * followed each change two or three times, the whole schema read and capture reconciled each time.
     */
    public synchronized int followedSchema() {
        return followedSchema;
    }

    /** A follow committed at {@code version}, whatever was followed before (the set-up, the watcher). */
    public synchronized void schemaFollowed(int version) {
        followedSchema = version;
    }

    /**
     * A follow committed that moved the schema from {@code before} to {@code after}: taken only when {@code before} was
     * followed, so a change another process made earlier is still followed by the watcher.
     */
    public synchronized void schemaFollowed(int before, int after) {
        if (followedSchema == before) {
            followedSchema = after;
        }
    }

    /** Held while one of them folds a backlog: the others wait, then find it folded (see {@code VersionFold}). */
    public Object catchUpTurn() {
        return catchUpTurn;
    }
}
