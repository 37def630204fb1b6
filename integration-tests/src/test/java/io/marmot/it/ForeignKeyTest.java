package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.testing.Await;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** An update replicated to a parent row must not delete its ON DELETE CASCADE children (no INSERT OR REPLACE). */
class ForeignKeyTest {
    @Test
    void cascadeChildrenSurviveParentUpdates() throws Exception {
        Cluster.run(2, "foreign_keys=true", (cluster, a, b) -> {
            for (Node n : new Node[] {a, b}) {
                n.exec("CREATE TABLE IF NOT EXISTS author (id INTEGER PRIMARY KEY, name TEXT)",
                        "CREATE TABLE IF NOT EXISTS book (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES author (id) ON DELETE CASCADE, title TEXT)");
            }
            a.exec("INSERT INTO author VALUES (1, 'Austen')");
            Await.until(Duration.ofSeconds(20), "author on b", () -> b.scalar("SELECT count(*) FROM author") == 1);
            b.exec("INSERT INTO book VALUES (10, 1, 'Emma')", "INSERT INTO book VALUES (11, 1, 'Persuasion')");
            Await.until(Duration.ofSeconds(20), "books on a", () -> a.scalar("SELECT count(*) FROM book") == 2);

            a.exec("UPDATE author SET name = 'Jane Austen' WHERE id = 1");
            Await.until(Duration.ofSeconds(20), "update on b",
                    () -> b.scalar("SELECT count(*) FROM author WHERE name = 'Jane Austen'") == 1);
            assertEquals(2, b.scalar("SELECT count(*) FROM book"), "children survive the replicated update");
            assertEquals(1, b.scalar("PRAGMA foreign_keys"), "the application's own setting stands");

            a.exec("DELETE FROM author WHERE id = 1"); // cascades on a; the deleted children replicate too
            Await.until(Duration.ofSeconds(20), "cascade replicated", () -> b.scalar("SELECT count(*) FROM book") == 0
                    && b.scalar("SELECT count(*) FROM author") == 0);
        });
    }
}
