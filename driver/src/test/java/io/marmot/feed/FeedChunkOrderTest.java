package io.marmot.feed;

import static io.marmot.fixture.Publication.oneTransaction;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.marmot.fixture.Publication;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.ChunkedGroups;
import io.marmot.wire.RowChange;
import io.marmot.wire.Transaction;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The change feed's reader puts a chunked group together by chunk number, as the applier does: a chunk that landed
 * after the ones sent behind it still gives the feed every row of the transaction, and where the feed reads again from
 * never passes a chunk held for a group not complete.
 */
class FeedChunkOrderTest {
    private static final int ROWS = 40;
    private static final long END = 1_000; // where the reader stands: past every message fed here
    private final Publication p = new Publication(ROWS, 10);
    private final ShardReader reader = new ShardReader(1, 1, "s", END);
    private long seq;

    @Test
    void aRefusedChunkLandingAfterTheNextOne() {
        ShardReader.Group g = feed(0, 2, 1, 3);
        assertGroup(g);
        assertEquals(1, g.readAgainFrom(), "reading it again starts at its lowest chunk");
        assertEquals(END, g.readFromAfter());
    }

    @Test
    void theLastChunkBeforeAMiddleOneAndTheFirstAfterTheRest() {
        assertNull(feed(1, 3, 0));
        assertEquals(1, reader.readFrom(), "the lowest chunk held, though it did not arrive first");
        assertGroup(feed(2));
        assertEquals(END, reader.readFrom());
    }

    @Test
    void aReaderStartingInsideAGroupThenItsRepublicationWithoutTheDuplicate() {
        assertNull(feed(2));
        assertGroup(feed(0, 1, 3)); // JetStream dropped the copy of chunk 2 by its id
    }

    @Test
    void aRepublicationFromItsStartAfterPartialChunks() {
        assertNull(feed(0, 1));
        assertGroup(feed(0, 1, 2, 3));
        assertEquals(END, reader.readFrom());
    }

    @Test
    void copiesOfAChunkAreEmittedOnce() {
        assertGroup(feed(0, 1, 1, 2, 3));
        assertNull(feed(3));
        assertEquals(END, reader.readFrom());
        assertEquals(0, reader.givenUp(), "a late copy is no group given up");
    }

    @Test
    void theRestOfAPublicationThatWentPastAGroupEndedEarly() {
        Publication first = new Publication(ROWS, 10, 26);
        Publication early = first.firstTransactionOnly();
        ShardReader.Group g = null;
        for (int i = 0; i < early.size(); i++) {
            g = reader.accept(++seq, 0, early.chunk(i));
        }
        assertNotNull(g);
        assertEquals(25, g.rows());
        ShardReader.Group rest = reader.accept(++seq, 0, first.chunk(2));
        assertNull(rest);
        rest = reader.accept(++seq, 0, first.chunk(3));
        assertNotNull(rest, "the rows after the group's early end reach the feed");
        assertEquals(20, rest.rows(), "rows 21-25 again, then 26-40");
        assertEquals(END, reader.readFrom());
    }

    @Test
    void aGroupWhoseChunksNeverComeHoldsTheReaderOnlyForAWhile() {
        assertNull(feed(0, 1)); // its writer restarted and published these rows as other groups
        for (int i = 0; i <= ChunkedGroups.PATIENCE; i++) {
            assertNotNull(reader.accept(++seq, 0, new ChangeBatch(Publication.ORIGIN, 1_000 + i, 0, true, List.of())));
        }
        assertEquals(END, reader.readFrom(), "given up: the reader reads on");
        assertEquals(0, reader.unreadable(), "not counted as missing: its writer sent the rows again, as far as can be"
                + " told");
        assertEquals(1, reader.givenUp(), "counted as given up (changeFeedStats().groupsGivenUp())");
    }

    private ShardReader.Group feed(int... chunks) {
        ShardReader.Group done = null;
        for (int i : chunks) {
            ShardReader.Group g = reader.accept(++seq, 0, p.chunk(i));
            if (g != null) {
                assertNull(done, "one group");
                done = g;
            }
        }
        return done;
    }

    private static void assertGroup(ShardReader.Group g) {
        assertNotNull(g, "the group is complete");
        List<List<Long>> ids = new ArrayList<>();
        for (Transaction tx : g.transactions()) {
            List<Long> one = new ArrayList<>();
            for (RowChange c : tx.changes()) {
                one.add((Long) c.values()[0]);
            }
            ids.add(one);
        }
        assertEquals(oneTransaction(ROWS), ids);
        assertEquals(ROWS, g.rows());
    }
}
