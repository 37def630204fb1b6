package io.marmot.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The position the feed's messages carry: written and read back alike, and which rows it counts as emitted. */
class FeedPositionTest {

    @Test
    void readsBackWhatItWrites() {
        FeedPosition p = new FeedPosition(Map.of(2, new FeedPosition.Shard(7, 6, 0), 1, new FeedPosition.Shard(120, 118, 3)));
        assertEquals("1:120:118:3,2:7:6:0", p.format());
        assertEquals(p, FeedPosition.parse(p.format()));
        assertEquals(FeedPosition.Shard.START, p.shard(3), "a shard never emitted starts at its beginning");
        assertEquals(FeedPosition.start(), FeedPosition.parse(""));
    }

    @Test
    void rowsUpToTheLastEmittedOneCountAsEmitted() {
        FeedPosition.Shard s = new FeedPosition.Shard(100, 118, 3);
        assertTrue(s.emitted(117, 50));
        assertTrue(s.emitted(118, 3));
        assertFalse(s.emitted(118, 4), "the rest of a group cut off by a crash is emitted again");
        assertFalse(s.emitted(119, 0));
        assertFalse(FeedPosition.Shard.START.emitted(1, 0));
    }

    @Test
    void unreadableTextIsAnErrorNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeedPosition.parse("1:2:x"));
        assertTrue(e.getMessage().contains("'1:2:x'"), e.getMessage());
    }
}
