package io.marmot.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A connection that keeps dropping is named in the node's health for a minute; one outage is not. */
class ConnectionTroubleTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final ConnectionTrouble trouble = new ConnectionTrouble(now::get);

    @Test
    void repeatedDropsAreAProblemUntilAQuietMinute() {
        assertEquals(1, trouble.dropped());
        assertEquals("", trouble.problem(), "one outage is an outage");
        now.addAndGet(500);
        trouble.dropped();
        now.addAndGet(500);
        assertEquals(3, trouble.dropped());
        assertTrue(trouble.problem().contains("dropped 3 times in 60 s") && trouble.problem().contains("Slow Consumer"),
                trouble.problem());
        now.addAndGet(ConnectionTrouble.WINDOW_MILLIS);
        assertEquals("", trouble.problem(), "healed after a quiet minute");
        assertEquals(3, trouble.totalDrops());
    }

    @Test
    void clientSideSlowConsumersAreSaidOnceAMinuteAndCounted() {
        assertTrue(trouble.slowConsumer(), "the first is said");
        assertTrue(!trouble.slowConsumer(), "the next ones within the minute are counted only");
        assertTrue(trouble.problem().contains("slow consumer") && trouble.problem().contains("2 so far"), trouble.problem());
        now.addAndGet(ConnectionTrouble.WINDOW_MILLIS);
        assertEquals("", trouble.problem());
        assertTrue(trouble.slowConsumer());
        assertEquals(3, trouble.slowConsumers());
    }

    @Test
    void heartbeatAlarmsAreSaidAtMostOnceAMinuteAndCounted() {
        assertTrue(trouble.heartbeatAlarm(), "the first is said");
        for (int i = 0; i < 5; i++) {
            now.addAndGet(ConnectionTrouble.WINDOW_MILLIS / 10);
            assertTrue(!trouble.heartbeatAlarm(), "the next ones within a minute of the one said are counted only");
        }
        now.addAndGet(ConnectionTrouble.WINDOW_MILLIS / 2);
        assertTrue(trouble.heartbeatAlarm(), "a minute after the last said, though they kept coming");
        assertEquals(7, trouble.heartbeatAlarms());
        assertEquals("", trouble.problem(), "no health problem: the feed watchdog reads a silent feed again");
    }

    @Test
    void refusedPullsAreSaidAtMostOnceAMinuteAndCountedApartFromHeartbeatAlarms() {
        assertTrue(trouble.pullError(), "the first is said");
        assertTrue(!trouble.pullError());
        assertTrue(trouble.heartbeatAlarm(), "a heartbeat alarm is said on its own account");
        now.addAndGet(ConnectionTrouble.WINDOW_MILLIS);
        assertTrue(trouble.pullError());
        assertEquals(3, trouble.pullErrors());
        assertEquals(1, trouble.heartbeatAlarms());
        assertEquals("", trouble.problem());
    }

    @Test
    void countsAreReadTogetherForTheNodesStats() {
        trouble.dropped();
        trouble.slowConsumer();
        trouble.slowConsumer();
        trouble.heartbeatAlarm();
        trouble.pullError();
        trouble.pullError();
        trouble.pullError();
        trouble.serverLeft();
        assertEquals(new io.marmot.replication.NatsTroubles(1, 2, 1, 3, 1), trouble.counts());
    }

    @Test
    void onlyRefusalsCountNotTheEndsOfPulls() {
        assertTrue(ConnectionTrouble.refusal("Message Size Exceeds MaxBytes", false), "the size refusal of jnats 2.26");
        assertTrue(!ConnectionTrouble.refusal("Request Timeout", false), "a pull that expired");
        assertTrue(!ConnectionTrouble.refusal("No Messages", false));
        assertTrue(!ConnectionTrouble.refusal("Exceeded MaxWaiting", false));
        assertTrue(!ConnectionTrouble.refusal("Consumer Deleted", true), "a feed stopped or read again");
        assertTrue(ConnectionTrouble.refusal("Consumer is push based", true));
        assertTrue(ConnectionTrouble.refusal(null, true));
    }
}
