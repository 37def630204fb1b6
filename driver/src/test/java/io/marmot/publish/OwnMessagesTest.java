package io.marmot.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class OwnMessagesTest {
    private static String parts(OwnMessages own, long first, long last) {
        List<long[]> p = own.foreignParts("s", first, last);
        return p.stream().map(r -> r[0] + ".." + r[1]).collect(Collectors.joining(","));
    }

    @Test
    void aGapOfOwnMessagesOnlyIsNoLoss() {
        OwnMessages own = new OwnMessages();
        for (long s = 1; s <= 12; s++) {
            own.published("s", s);
        }
        assertEquals("", parts(own, 1, 7));
        assertEquals("13..14", parts(own, 10, 14));
        assertEquals("1..5", parts(new OwnMessages(), 1, 5), "nothing known: everything counts");
    }

    @Test
    void ownMessagesOfAStreamWithNoPositionStoredAreNotHandled() {
        OwnMessages own = new OwnMessages();
        assertTrue(own.allHandled(Map.of()), "nothing published: nothing to read back");
        own.published("changes-1", 1);
        assertFalse(own.allHandled(Map.of()), "published, and no position stored for the stream: not read back");
        assertFalse(own.allHandled(Map.of("changes-2", 5L)), "a position of another stream says nothing of this one");
        assertTrue(own.allHandled(Map.of("changes-1", 1L)));
        own.published("changes-1", 2);
        assertFalse(own.allHandled(Map.of("changes-1", 1L)));
    }

    @Test
    void interleavedMessagesOfPeersStayInTheGap() {
        OwnMessages own = new OwnMessages();
        for (long s : new long[] {2, 3, 5, 9, 8, 7}) {
            own.published("s", s);
        }
        assertEquals("1..1,4..4,6..6,10..10", parts(own, 1, 10));
        assertEquals("", parts(own, 7, 9), "out-of-order acknowledgements merge into one range");
        assertEquals("4..4", parts(own, 3, 5));
    }

    @Test
    void rangesBelowWhatWasHandledAreForgotten() {
        OwnMessages own = new OwnMessages();
        for (long s = 1; s <= 5; s++) {
            own.published("s", s);
        }
        own.published("s", 8);
        own.forgetUpTo("s", 5);
        assertEquals("1..5", parts(own, 1, 5));
        assertEquals("6..7", parts(own, 6, 8));
    }
}
