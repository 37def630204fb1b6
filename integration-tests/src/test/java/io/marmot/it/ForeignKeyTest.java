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

/** An update replicated to a parent row must not delete its ON DELETE CASCADE children (no INSERT OR REPLACE). */
class ForeignKeyTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void cascadeChildrenSurviveParentUpdates() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"));
                Connection a = Nodes.open(dir.resolve("a.db"), 1, nats.url(), "foreign_keys=true");
                Connection b = Nodes.open(dir.resolve("b.db"), 2, nats.url(), "foreign_keys=true")) {
            for (Connection c : new Connection[] {a, b}) {
                exec(c, "CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT)",
                        "CREATE TABLE book (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES author (id) ON DELETE CASCADE, title TEXT)");
            }
            exec(a, "INSERT INTO author VALUES (1, 'Austen')");
            Await.until(Duration.ofSeconds(20), "author on b", () -> scalar(b, "SELECT count(*) FROM author") == 1);
            exec(b, "INSERT INTO book VALUES (10, 1, 'Emma')", "INSERT INTO book VALUES (11, 1, 'Persuasion')");
            Await.until(Duration.ofSeconds(20), "books on a", () -> scalar(a, "SELECT count(*) FROM book") == 2);

            exec(a, "UPDATE author SET name = 'Jane Austen' WHERE id = 1");
            Await.until(Duration.ofSeconds(20), "update on b",
                    () -> scalar(b, "SELECT count(*) FROM author WHERE name = 'Jane Austen'") == 1);
            assertEquals(2, scalar(b, "SELECT count(*) FROM book"), "children survive the replicated update");
            assertEquals(1, scalar(b, "PRAGMA foreign_keys"), "the application's own setting stands");

            exec(a, "DELETE FROM author WHERE id = 1"); // cascades on a; the deleted children replicate too
            Await.until(Duration.ofSeconds(20), "cascade replicated", () -> scalar(b, "SELECT count(*) FROM book") == 0
                    && scalar(b, "SELECT count(*) FROM author") == 0);
        }
    }
}
