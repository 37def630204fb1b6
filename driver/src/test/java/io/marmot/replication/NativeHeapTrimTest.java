package io.marmot.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQLite connections that were opened and closed leave their memory in glibc's heap, so the process stays at the
 * resident size of its busiest moment: the trim gives it back once the process grew, and does nothing otherwise.
 */
class NativeHeapTrimTest {
    @TempDir
    Path dir;

    @Test
    void memoryOfClosedConnectionsGoesBackToTheSystemOnlyAfterTheProcessGrew() throws Exception {
        NativeHeapTrim trim = NativeHeapTrim.ifUseful();
        assertNotNull(trim, "this Linux JDK can trim its native heap");
        trim.run(); // whatever the JVM grew to before this test
        long trimsBefore = trim.trims();
        trim.run();
        assertEquals(trimsBefore, trim.trims(), "no trim when the process did not grow");

        List<Connection> kept = new ArrayList<>();
        List<Connection> opened = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(i % 20 + ".db"));
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT)");
                s.execute("INSERT INTO t(v) VALUES (randomblob(3000))");
                s.executeQuery("SELECT count(*), max(length(v)) FROM t").close();
            }
            // every twentieth stays open, as a database in use does: what the others freed lies between its memory
            (i % 20 == 0 ? kept : opened).add(c);
        }
        for (Connection c : opened) {
            c.close();
        }
        long grown = NativeHeapTrim.resident();
        trim.run();
        long trimmed = NativeHeapTrim.resident();
        assertEquals(trimsBefore + 1, trim.trims(), "one trim after the process grew by "
                + (grown >> 20) + " MiB");
        assertTrue(grown - trimmed > 16L << 20, "the closed connections' memory went back: "
                + (grown >> 20) + " MiB -> " + (trimmed >> 20) + " MiB");
        for (Connection c : kept) {
            c.close();
        }
    }
}
