package io.marmot.it;

import static io.marmot.it.Nodes.exec;
import static io.marmot.it.Nodes.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A column added on one node first: its changes are parked on the node that lacks the column (never half
 * applied, never lost), and applied as soon as that node's schema catches up.
 */
class RollingSchemaChangeTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void parkedChangesApplyOnceTheSchemaCatchesUp() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"));
                Connection a = Nodes.open(dir.resolve("a.db"), 1, nats.url());
                Connection b = Nodes.open(dir.resolve("b.db"), 2, nats.url())) {
            exec(a, "CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT)");
            exec(b, "CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT)");
            exec(a, "INSERT INTO books VALUES (1, 'Emma')");
            Await.until(Duration.ofSeconds(20), "first row on b", () -> scalar(b, "SELECT count(*) FROM books") == 1);

            exec(a, "ALTER TABLE books ADD COLUMN year INTEGER");
            exec(a, "INSERT INTO books VALUES (2, 'Persuasion', 1817)");
            Await.until(Duration.ofSeconds(20), "the change parked on b",
                    () -> scalar(b, "SELECT count(*) FROM __marmot_parked WHERE reason LIKE '%year%'") == 1);
            assertEquals(1, scalar(b, "SELECT count(*) FROM books"), "nothing half applied");

            exec(b, "ALTER TABLE books ADD COLUMN year INTEGER");
            Await.until(Duration.ofSeconds(20), "the parked change applied",
                    () -> scalar(b, "SELECT year FROM books WHERE id = 2") == 1817);
            assertEquals(0, scalar(b, "SELECT count(*) FROM __marmot_parked"));
            exec(b, "UPDATE books SET year = 1815 WHERE id = 1");
            Await.until(Duration.ofSeconds(20), "and back", () -> scalar(a, "SELECT year FROM books WHERE id = 1") == 1815);
        }
    }
}
