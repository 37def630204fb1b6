package io.marmot.apply;

import static io.marmot.fixture.Publication.ids;
import static io.marmot.fixture.Publication.oneTransaction;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.marmot.fixture.Publication;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.ChunkedGroups;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The applier puts a chunked group together by chunk number: a chunk the stream refused lands later, sent again after
 * chunks that were behind it, and the peer still applies the whole transaction once, without waiting for
 * verification. Publications of one group (its writer restarted) are never mixed into something neither published.
 */
class ChunkOrderTest {
    private static final int ROWS = 40; // 10 to a chunk: chunks 0..3
    private final Publication p = new Publication(ROWS, 10);
    private final java.util.concurrent.atomic.AtomicLong givenUp = new java.util.concurrent.atomic.AtomicLong();
    private final GroupAssembler assembler = new GroupAssembler(1, givenUp::incrementAndGet);
    private long seq;

    @Test
    void inOrder() {
        assertComplete(feed(p, 0, 1, 2, 3), oneTransaction(ROWS));
    }

    @Test
    void aRefusedChunkLandingAfterTheNextOne() {
        assertComplete(feed(p, 0, 2, 1, 3), oneTransaction(ROWS));
    }

    @Test
    void theLastChunkBeforeAMiddleOne() {
        assertNull(feed(p, 0, 1, 3));
        assertEquals(0, assembler.holdBack("s", seq), "the chunks held are read again after a restart");
        assertComplete(feed(p, 2), oneTransaction(ROWS));
    }

    @Test
    void theFirstChunkLandingLastHoldsThePositionBeforeTheLowestChunk() {
        assertNull(feed(p, 1, 2));
        assertNull(feed(p, 0));
        assertEquals(0, assembler.holdBack("s", seq), "not before chunk 0, which arrived last, but before chunk 1");
        assertComplete(feed(p, 3), oneTransaction(ROWS));
        assertEquals(seq, assembler.holdBack("s", seq), "nothing waits");
    }

    @Test
    void aRepublicationFromItsStartAfterPartialChunks() {
        assertNull(feed(p, 0, 1)); // then its writer restarted: the group goes again from its start
        assertComplete(feed(p, 0, 1, 2, 3), oneTransaction(ROWS));
        assertEquals(seq, assembler.holdBack("s", seq));
    }

    @Test
    void aRepublicationWhoseCopiesOfLandedChunksWereDuplicates() {
        assertNull(feed(p, 0, 2)); // chunk 1 refused, then the writer restarted
        assertComplete(feed(p, 1, 3), oneTransaction(ROWS)); // JetStream dropped its chunks 0 and 2 by their ids
    }

    @Test
    void aReaderStartingInsideAGroupThenItsRepublication() {
        assertNull(feed(p, 2));
        assertComplete(feed(p, 0, 1, 2, 3), oneTransaction(ROWS));
        assertEquals(seq, assembler.holdBack("s", seq));
    }

    @Test
    void aReaderStartingInsideAGroupThenItsRepublicationWithoutTheDuplicate() {
        assertNull(feed(p, 2));
        assertComplete(feed(p, 0, 1, 3), oneTransaction(ROWS));
    }

    @Test
    void copiesOfAChunkAreTakenOnce() {
        assertComplete(feed(p, 0, 1, 1, 2, 2, 3), oneTransaction(ROWS));
        assertNull(feed(p, 2, 3), "late copies after the group was complete");
        assertEquals(seq, assembler.holdBack("s", seq), "and they hold nothing back");
        assertEquals(0, givenUp.get(), "a late copy is no group given up");
    }

    @Test
    void aPublicationEndingTheGroupEarlierWinsOverTheLaterChunksOfAnother() {
        // The first publication held a second transaction from row 26; its chunk 2 was refused, and its writer
        // restarted. Its next pass stopped between the two transactions: chunk 2 is its last.
        Publication first = new Publication(ROWS, 10, 26);
        Publication again = first.firstTransactionOnly();
        assertNull(feed(first, 0, 1, 3));
        GroupAssembler.Group g = add(again.chunk(2));
        assertNotNull(g);
        assertEquals(List.of(range(1, 25)), ids(g.batches), "the other publication's chunk 3 is not part of it");
        assertEquals(seq, assembler.holdBack("s", seq));
    }

    @Test
    void theRestOfAPublicationThatWentPastAGroupEndedEarly() {
        // A pass stopped between the two transactions and its writer was killed before the acknowledgement; the next
        // publication's chunks 0 and 1, the same, were dropped by JetStream as duplicates: chunks 2 and 3 come.
        Publication first = new Publication(ROWS, 10, 26);
        assertComplete(feed(first.firstTransactionOnly(), 0, 1, 2), List.of(range(1, 25)));
        assertComplete(feed(first, 3, 2), List.of(range(21, 25), range(26, 40)));
        assertNull(feed(first, 1, 3), "late copies after that");
        assertEquals(seq, assembler.holdBack("s", seq));
    }

    @Test
    void theRestOfAGroupEndedEarlyAfterAnotherGroupOfItsNode() {
        Publication first = new Publication(ROWS, 10, 26);
        assertComplete(feed(first.firstTransactionOnly(), 0, 1, 2), List.of(range(1, 25)));
        // the writer's window went on with another chunked group before it was killed
        assertNull(add(new ChangeBatch(Publication.ORIGIN, Publication.GROUP + 100, 0, false, List.of())));
        assertNotNull(add(new ChangeBatch(Publication.ORIGIN, Publication.GROUP + 100, 1, true, List.of())));
        assertComplete(feed(first, 2, 3), List.of(range(21, 25), range(26, 40)));
    }

    @Test
    void aWholeMessageOfTheSameGroupEndsTheChunksWaiting() {
        assertNull(feed(p, 0, 1));
        // Published again from the group's start, the pass stopped after a transaction that fits in one message
        ChangeBatch whole = new ChangeBatch(Publication.ORIGIN, Publication.GROUP, 0, true, p.chunk(0).changes());
        assertNotNull(add(whole));
        assertEquals(seq, assembler.holdBack("s", seq), "the earlier publication's chunks hold nothing back");
    }

    @Test
    void aGroupWhoseChunksNeverComeHoldsThePositionOnlyForAWhile() {
        assertNull(feed(p, 0, 1)); // its writer restarted and published these rows as other groups
        for (int i = 0; i < ChunkedGroups.PATIENCE; i++) {
            assertNotNull(add(other(Publication.ORIGIN + 1, i))); // another node's messages do not count
        }
        assertEquals(0, assembler.holdBack("s", seq));
        for (int i = 0; i < ChunkedGroups.PATIENCE; i++) {
            assertNotNull(add(other(Publication.ORIGIN, i)));
            assertEquals(0, assembler.holdBack("s", seq), "its writer's next messages may still be followed by it");
        }
        assertEquals(0, givenUp.get(), "still waiting");
        assertNotNull(add(other(Publication.ORIGIN, -1)));
        assertEquals(seq, assembler.holdBack("s", seq), "given up (and logged)");
        assertEquals(1, givenUp.get(), "given up, and counted for stats() and verification");
    }

    private static ChangeBatch other(long origin, long group) {
        return new ChangeBatch(origin, 1_000 + group, 0, true, List.of());
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new java.util.ArrayList<>();
        for (long id = from; id <= to; id++) {
            out.add(id);
        }
        return out;
    }

    private GroupAssembler.Group feed(Publication pub, int... chunks) {
        GroupAssembler.Group done = null;
        for (int i : chunks) {
            GroupAssembler.Group g = add(pub.chunk(i));
            if (g != null) {
                assertNull(done, "one group from one publication");
                done = g;
            }
        }
        return done;
    }

    private GroupAssembler.Group add(ChangeBatch b) {
        return assembler.add("s", ++seq, b);
    }

    private void assertComplete(GroupAssembler.Group g, List<List<Long>> expected) {
        assertNotNull(g, "the group is complete");
        assertEquals(expected, ids(g.batches));
        assertEquals(seq, assembler.holdBack("s", seq), "nothing waits");
    }
}
