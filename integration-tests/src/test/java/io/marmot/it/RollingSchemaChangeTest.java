package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.testing.Await;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A column added on one node first: its changes are parked on the node that lacks the column (never half
 * applied, never lost), and applied as soon as that node's schema catches up.
 */
class RollingSchemaChangeTest {
    @Test
    void parkedChangesApplyOnceTheSchemaCatchesUp() throws Exception {
        Cluster.run(2, "", (cluster, a, b) -> {
            a.exec("CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT)");
            b.exec("CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT)");
            a.exec("INSERT INTO books VALUES (1, 'Emma')");
            Await.until(Duration.ofSeconds(20), "first row on b", () -> b.scalar("SELECT count(*) FROM books") == 1);

            a.exec("ALTER TABLE books ADD COLUMN year INTEGER");
            a.exec("INSERT INTO books VALUES (2, 'Persuasion', 1817)");
            Await.until(Duration.ofSeconds(20), "the change parked on b",
                    () -> b.scalar("SELECT count(*) FROM __marmot_parked WHERE reason LIKE '%year%'") == 1);
            assertEquals(1, b.scalar("SELECT count(*) FROM books"), "nothing half applied");
            Await.until(Duration.ofSeconds(10), "b says it holds less than a",
                    () -> String.join("; ", b.engine().health().problems()).contains("wait in __marmot_parked"));

            b.exec("ALTER TABLE books ADD COLUMN year INTEGER");
            Await.until(Duration.ofSeconds(20), "the parked change applied",
                    () -> b.scalar("SELECT year FROM books WHERE id = 2") == 1817);
            assertEquals(0, b.scalar("SELECT count(*) FROM __marmot_parked"));
            Await.until(Duration.ofSeconds(10), "b ready again", () -> b.engine().health().ready());
            b.exec("UPDATE books SET year = 1815 WHERE id = 1");
            Await.until(Duration.ofSeconds(20), "and back", () -> a.scalar("SELECT year FROM books WHERE id = 1") == 1815);
        });
    }
}
