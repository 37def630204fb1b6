package io.marmot.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.wire.ChangeBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The pure logic of exact delivery: where a stream is read from (identity, recreation, gaps), how each delivered
 * sequence is classified, how chunks are reassembled, and what position may be stored while a group waits.
 */
class DeliveryOrderTest {
    private static final long CREATED = 1_000_000_000L;
    private static final long STAMP = 5_000_000_000L;

    @Test
    void theSameStreamIsReadRightAfterTheStoredPosition() {
        StreamPosition stored = new StreamPosition(50, CREATED, STAMP, 50);
        StreamCheck.Decision d = StreamCheck.onBind(stored, new StreamCheck.Observed(1, 80, CREATED), STAMP);
        assertEquals(51, d.resumeAt());
        assertFalse(d.recreated());
        assertEquals(List.of(), d.gaps());
    }

    @Test
    void aStreamCreatedAnewIsReadFromItsBeginningEvenWhenItHoldsMore() {
        // The message at the position exists but is another one (another timestamp): a wiped store, refilled.
        StreamPosition stored = new StreamPosition(50, CREATED, STAMP, 50);
        StreamCheck.Decision d = StreamCheck.onBind(stored, new StreamCheck.Observed(1, 100, CREATED + 9), STAMP + 777_000_000L);
        assertTrue(d.recreated());
        assertEquals(1, d.resumeAt());
        assertEquals(0, d.position().seq());
        assertEquals(CREATED + 9, d.position().created(), "the new identity is kept");
        assertEquals(List.of(), d.gaps(), "everything the old stream held up to its tail was handled");
    }

    @Test
    void whatTheOldStreamHeldBeyondThePositionIsRecordedMissed() {
        StreamPosition stored = new StreamPosition(50, CREATED, STAMP, 70);
        StreamCheck.Decision d = StreamCheck.onBind(stored, new StreamCheck.Observed(1, 10, CREATED + 9), null);
        assertTrue(d.recreated(), "shorter than the position: it never reached it");
        assertEquals(1, d.gaps().size());
        assertEquals(51, d.gaps().get(0).first());
        assertEquals(70, d.gaps().get(0).last());
    }

    @Test
    void withTheMessageAtThePositionGoneTheCreationTimeDecides() {
        StreamPosition stored = new StreamPosition(50, CREATED, STAMP, 50);
        assertFalse(StreamCheck.onBind(stored, new StreamCheck.Observed(60, 90, CREATED), null).recreated(),
                "retention removed the message at the position: still the same stream");
        assertTrue(StreamCheck.onBind(stored, new StreamCheck.Observed(60, 90, CREATED + 5_000_000), null).recreated());
        StreamPosition legacy = new StreamPosition(50, 0, 0, 0);
        StreamCheck.Decision d = StreamCheck.onBind(legacy, new StreamCheck.Observed(1, 90, CREATED), null);
        assertFalse(d.recreated(), "a position stored by an earlier version (no identity) is trusted");
        assertEquals(CREATED, d.position().created(), "and gets the identity now");
    }

    @Test
    void deliveriesAreClassifiedAgainstWhatWasHandled() {
        StreamCursor cursor = new StreamCursor(new StreamPosition(10, CREATED, STAMP, 10));
        cursor.restartAfter(10, STAMP);
        assertEquals(StreamCursor.Arrival.AFTER_GONE, cursor.classify(14), "a fresh feed's first message beyond: 11..13 gone");
        cursor.handled(14, STAMP, 20);
        assertEquals(StreamCursor.Arrival.DUPLICATE, cursor.classify(12));
        assertEquals(StreamCursor.Arrival.NEXT, cursor.classify(15));
        cursor.handled(15, STAMP, 20);
        assertEquals(StreamCursor.Arrival.JUMP, cursor.classify(18), "a running feed that skips is read again");
        assertEquals(5, cursor.backlog(), "the stream holds up to 20");
    }

    @Test
    void chunksAreReassembledInOrderAndAWaitingGroupHoldsThePositionBack() {
        GroupAssembler assembler = new GroupAssembler(1, () -> { });
        assertNull(assembler.add("s", 7, chunk(0, false)));
        assertEquals(6, assembler.holdBack("s", 9), "no position past the first chunk of a waiting group");
        assertEquals(9, assembler.holdBack("other", 9));
        GroupAssembler.Group g = assembler.add("s", 8, chunk(1, true));
        assertNotNull(g);
        assertEquals(List.of(7L, 8L), g.seqs);
        assertEquals(9, assembler.holdBack("s", 9), "complete: nothing waits");
    }

    @Test
    void aDroppedStreamForgetsItsGroups() {
        GroupAssembler assembler = new GroupAssembler(1, () -> { });
        assertNull(assembler.add("s", 4, chunk(0, false)));
        assembler.dropStream("s");
        assertEquals(9, assembler.holdBack("s", 9));
        assertNull(assembler.add("s", 5, chunk(2, true)), "the dropped group's rest is not completed");
    }

    @Test
    void theStoredPositionNeverPassesAWaitingGroup() {
        StreamProgress progress = new StreamProgress(1, () -> { });
        progress.bound("s", new StreamPosition(0, CREATED, 0, 0), 1);
        StreamCursor cursor = progress.cursor("s");
        cursor.classify(1);
        cursor.handled(1, STAMP, 3);
        progress.assembler().add("s", 2, chunk(0, false));
        cursor.classify(2);
        cursor.handled(2, STAMP + 1, 3);
        assertEquals(1, progress.positionsToStore().get("s").seq());
        assertEquals(2, progress.restart("s"), "a restart reads the waiting group again from its first chunk");
    }

    private static ChangeBatch chunk(int n, boolean last) {
        return new ChangeBatch(2, 99, n, last, List.of());
    }
}
