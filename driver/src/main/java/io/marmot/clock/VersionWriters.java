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

    /** Held while one of them folds a backlog: the others wait, then find it folded (see {@code VersionFold}). */
    public Object catchUpTurn() {
        return catchUpTurn;
    }
}
