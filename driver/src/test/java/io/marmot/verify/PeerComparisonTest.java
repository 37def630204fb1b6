package io.marmot.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a comparison of two digests calls a divergence: rows that differ in a table both nodes hold in one shape. A
 * table one node kept after the other dropped it (replicate-drops=false, the default), or altered, is a difference of
 * schemas, reported by the schema fingerprints with its cause; verification once logged it as "a divergence the
 * stream does not explain" (an ERROR) and kept the node not ready until someone dropped the table by hand.
 */
class PeerComparisonTest {
    private static final Map<String, Long> AT = Map.of("changes-1-1", 42L);
    private static final Digest.Table BOOKS = new Digest.Table("id,title|id", 3, 777);

    @Test
    void aTableOnlyOneNodeKeptOrAlteredIsNoDivergence() {
        Digest mine = digest(1, Map.of("books", BOOKS));
        Digest theirs = digest(2, Map.of("books", BOOKS, "kept", new Digest.Table("x|", 0, 0)));
        assertTrue(PeerComparison.of(mine, theirs).agrees(), "a table the peer kept");
        assertTrue(PeerComparison.of(theirs, mine).agrees(), "a table this node kept");
        Digest altered = digest(2, Map.of("books", new Digest.Table("id,title,year|id", 3, 999)));
        assertTrue(PeerComparison.of(mine, altered).agrees(), "a column one node kept");
    }

    @Test
    void rowsThatDifferInATableOfOneShapeAreADivergenceToRepair() {
        Digest mine = digest(1, Map.of("books", BOOKS, "kept", new Digest.Table("x|", 0, 0)));
        Digest theirs = digest(2, Map.of("books", new Digest.Table("id,title|id", 4, 778)));
        PeerComparison c = PeerComparison.of(mine, theirs);
        assertFalse(c.agrees());
        assertEquals(List.of("table books holds other rows than on node 2 (3 here, 4 there)"), c.differences());
        assertEquals(List.of("books"), c.rowDifferences());
    }

    @Test
    void digestsOfOtherPositionsDoNotCompare() {
        Digest mine = digest(1, Map.of("books", BOOKS));
        Digest theirs = new Digest(2, 0, true, Map.of("changes-1-1", 43L), Map.of("books", new Digest.Table("id,title|id", 4, 1)));
        assertFalse(PeerComparison.of(mine, theirs).comparable());
    }

    private static Digest digest(long node, Map<String, Digest.Table> tables) {
        return new Digest(node, 0, true, AT, tables);
    }
}
