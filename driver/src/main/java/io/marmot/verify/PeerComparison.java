package io.marmot.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Compares this node's digest with a peer's. Only digests of the same applied messages compare (both settled,
 * equal positions): anything else is a change still in flight, not a divergence.
 *
 * @param comparable whether the two digests describe the same messages applied
 * @param differences one sentence per table whose rows differ, or that one node lacks or has in another shape
 * @param rowDifferences the tables of equal shape whose rows differ: what repair can narrow down
 */
record PeerComparison(long peer, boolean comparable, List<String> differences, List<String> rowDifferences) {
    boolean agrees() {
        return comparable && differences.isEmpty();
    }

    static PeerComparison of(Digest mine, Digest theirs) {
        if (!mine.settled() || !theirs.settled() || !mine.positions().equals(theirs.positions())) {
            return new PeerComparison(theirs.node(), false, List.of(), List.of());
        }
        List<String> out = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(mine.tables().keySet());
        names.addAll(theirs.tables().keySet());
        for (String name : names) {
            Digest.Table a = mine.tables().get(name);
            Digest.Table b = theirs.tables().get(name);
            if (a == null || b == null) {
                out.add("table " + name + " exists only on node " + (a == null ? theirs.node() : mine.node()));
            } else if (!a.shape().equals(b.shape())) {
                out.add("table " + name + " has other columns on node " + theirs.node() + " (" + b.shape() + " there, "
                        + a.shape() + " here)");
            } else if (a.rows() != b.rows() || a.hash() != b.hash()) {
                out.add("table " + name + " holds other rows than on node " + theirs.node() + " (" + a.rows() + " here, "
                        + b.rows() + " there)");
                rows.add(name);
            }
        }
        return new PeerComparison(theirs.node(), true, List.copyOf(out), List.copyOf(rows));
    }

    /** Comparisons of every peer's digest (not this node's own). */
    static List<PeerComparison> all(Digest mine, Map<Long, Digest> peers) {
        List<PeerComparison> out = new ArrayList<>();
        peers.forEach((node, d) -> {
            if (node != mine.node()) {
                out.add(of(mine, d));
            }
        });
        return out;
    }
}
