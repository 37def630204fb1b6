package io.marmot.clock;

/**
 * The hybrid logical clock. A reading is the wall clock in milliseconds shifted left 16 bits, or just above the
 * clock's floor if that is higher; the floor is raised past every version applied from a peer, so a local write
 * made after applying a change always carries a newer version than that change. One reading is taken per change
 * group, where it ends (a marker of the change log), and stamps every row of the group.
 *
 * <p>A change's <em>version</em> is derived from the stamps of the change log, in log order:
 * {@code max(stamp, previous version + (seq - previous seq))}. It is a function of the log alone (every reader
 * computes the same versions), unique, and increasing in commit order even when the wall clock steps back. Two
 * versions compare as numbers; equal versions from two nodes are ordered by node id ({@link #newer}).
 */
public final class Hlc {
    /** Low bits of a version left for the logical counter. */
    public static final int LOGICAL_BITS = 16;

    private Hlc() {
    }

    /**
     * The reading a change group takes where it ends (a marker of the change log), in SQL: {@code millis} is the wall
     * clock in milliseconds (a parameter, this JVM's), {@code state} names the engine's state row, whose {@code hlc}
     * column is the floor and whose {@code skew} column the correction of a clock that runs too far from the shared
     * reference ({@link #correction}).
     */
    public static String markerReading(String state, String millis) {
        return "max(" + state + ".hlc + 1, (" + millis + " - " + state + ".skew) << " + LOGICAL_BITS + ")";
    }

    /**
     * What to subtract from this node's wall clock so that its versions stay within {@code maxSkew} of the shared
     * reference: nothing within the bound, the excess beyond it. {@code offset} is how far the local clock runs
     * ahead of the reference (negative: behind), in milliseconds.
     */
    public static long correction(long offset, long maxSkew) {
        if (offset > maxSkew) {
            return offset - maxSkew;
        }
        if (offset < -maxSkew) {
            return offset + maxSkew;
        }
        return 0;
    }

    /** The version of the log row at {@code seq} stamped {@code reading}, after the row before it. */
    public static long nextVersion(long previousSeq, long previousVersion, long seq, long reading) {
        return Math.max(reading, previousVersion + (seq - previousSeq));
    }

    /** Whether version (a, nodeA) wins over (b, nodeB): last writer wins, ties go to the higher node id. */
    public static boolean newer(long a, long nodeA, long b, long nodeB) {
        return a > b || (a == b && nodeA > nodeB);
    }

    /** The wall-clock milliseconds a version carries. */
    public static long millis(long version) {
        return version >>> LOGICAL_BITS;
    }

    /** The smallest version of a wall-clock millisecond. */
    public static long ofMillis(long millis) {
        return millis << LOGICAL_BITS;
    }
}
