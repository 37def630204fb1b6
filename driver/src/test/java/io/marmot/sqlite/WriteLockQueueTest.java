package io.marmot.sqlite;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JVM's write-lock queues go with the last connection to their file: none is kept per file ever opened. */
class WriteLockQueueTest {
    @Test
    void queuesOfFilesNoConnectionUsesAnyMoreAreForgotten() {
        List<WriteLockQueue.Place> held = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            held.add(WriteLockQueue.placeFor("/held/" + i + ".db"));
        }
        for (int i = 0; i < 5_000; i++) {
            WriteLockQueue.placeFor("/gone/" + i + ".db"); // a connection opened and closed: its place dropped
        }
        int known = WriteLockQueue.filesKnown();
        for (int round = 0; round < 50 && known >= 1_000; round++) {
            System.gc();
            for (int i = 0; i < 1024; i++) { // places for files still in use: sweeps on the way
                WriteLockQueue.placeFor("/held/" + i % 100 + ".db");
            }
            known = WriteLockQueue.filesKnown();
        }
        assertTrue(known < 1_000, known + " files still have a queue after 5,000 were dropped");
        assertTrue(known >= 100, "the queues of files in use stay (" + known + ")");
        held.clear();
    }
}
