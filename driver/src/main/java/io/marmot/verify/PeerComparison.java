package io.marmot.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Compares this node's digest with a peer's. Only digests of the same applied messages compare (both settled,
 * equal positions): anything else is a change still in flight, not a divergence. Only the tables both nodes hold in
 * the same shape compare: a table one node lacks or has with other columns is a difference of schemas, which the
 * schema fingerprints report (stats' {@code schemaAgrees}, a warning) with its cause, mostly a drop this node or
 * the peer kept ({@code replicate-drops=false}, the default): no divergence the stream does not explain.
 *
 * @param comparable whether the two digests describe the same messages applied
 * @param differences one sentence per table whose rows differ
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
        for (String name : new TreeSet<>(mine.tables().keySet())) {
            Digest.Table a = mine.tables().get(name);
            Digest.Table b = theirs.tables().get(name);
            if (b != null && a.shape().equals(b.shape()) && (a.rows() != b.rows() || a.hash() != b.hash())) {
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
