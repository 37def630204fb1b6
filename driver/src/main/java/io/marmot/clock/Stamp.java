package io.marmot.clock;

/** A write's place in last-writer-wins order: its version and the node that made it (ties go to the higher id). */
public record Stamp(long version, long node) {
    /** Older than every write: what a row nobody has written holds. */
    public static final Stamp NONE = new Stamp(0, 0);

    public boolean newerThan(Stamp other) {
        return Hlc.newer(version, node, other.version, other.node);
    }

    public boolean isNone() {
        return version == 0 && node == 0;
    }

    public static Stamp newest(Stamp a, Stamp b) {
        return b.newerThan(a) ? b : a;
    }
}
