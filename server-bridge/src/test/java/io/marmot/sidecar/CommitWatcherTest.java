package io.marmot.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes to the database or its WAL wake the publisher at once, and again shortly after; other files do not. */
class CommitWatcherTest {
    @TempDir
    Path dir;

    @Test
    void writesToTheDatabaseOrItsWalAreNoticed() throws Exception {
        Path db = Files.writeString(dir.resolve("app.db"), "");
        AtomicInteger wakes = new AtomicInteger();
        try (CommitWatcher w = CommitWatcher.start(db, wakes::incrementAndGet, "test-watcher")) {
            Files.writeString(dir.resolve("unrelated.txt"), "x");
            Files.writeString(dir.resolve("app.db-shm"), "x");
            Files.writeString(dir.resolve("app.db-wal"), "frame", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Await.until(Duration.ofSeconds(5), "a wake-up and its trailing ones", () -> wakes.get() >= 4);
            Await.until(Duration.ofSeconds(5), "no more wake-ups after the trailing ones", () -> {
                int before = wakes.get();
                Thread.sleep(150);
                return wakes.get() == before;
            });
            int settled = wakes.get();
            // Files beside the database, some with names close to its own: none of them is a commit.
            for (String name : List.of("unrelated.txt", "app.db-shm", "app.db.bak", "app.db-wal.old", "other.db",
                    "other.db-wal", "xapp.db")) {
                Files.writeString(dir.resolve(name), "y", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            Thread.sleep(300); // nothing to wait for: a wake-up follows an event within milliseconds, here none may
            assertEquals(settled, wakes.get(), "writes to other files woke the publisher");
            Files.writeString(db, "page", StandardOpenOption.APPEND);
            Await.until(Duration.ofSeconds(5), "a write to the database file wakes", () -> wakes.get() > settled);
        }
        int after = wakes.get();
        Files.writeString(dir.resolve("app.db-wal"), "more", StandardOpenOption.APPEND);
        Thread.sleep(100); // nothing to wait for: a closed watcher must stay silent
        assertEquals(after, wakes.get());
    }
}
