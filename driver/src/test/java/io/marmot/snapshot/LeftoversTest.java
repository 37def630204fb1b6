package io.marmot.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.replication.MarmotRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a crashed snapshot or merge left beside a database is found for that database only, from a shared listing. */
class LeftoversTest {
    @TempDir
    Path dir;

    @AfterEach
    void close() {
        MarmotRuntime.closeCurrent();
    }

    @Test
    void eachDatabaseIsGivenItsOwnLeftoversOnce() throws Exception {
        for (String name : List.of("a.db", "a.db-wal", "a.db.marmot-snapshot-1f2e3d4c", "a.db.marmot-snapshot-1f2e3d4c-journal",
                "a.db.marmot-merge", "a.db.marmot-merge-wal", "a.db.marmot-restore", "ab.db.marmot-snapshot-99aa88bb",
                "b.db", "b.db.marmot-merge")) {
            Files.createFile(dir.resolve(name));
        }
        Leftovers leftovers = Leftovers.of(MarmotRuntime.get());
        assertEquals(Set.of("a.db.marmot-snapshot-1f2e3d4c", "a.db.marmot-snapshot-1f2e3d4c-journal", "a.db.marmot-merge",
                "a.db.marmot-merge-wal"), names(leftovers.beside(dir.resolve("a.db"))));
        assertEquals(Set.of(), names(leftovers.beside(dir.resolve("a.db"))));
        assertEquals(Set.of("b.db.marmot-merge"), names(leftovers.beside(dir.resolve("b.db"))));
        assertEquals(Set.of("ab.db.marmot-snapshot-99aa88bb"), names(leftovers.beside(dir.resolve("ab.db"))));
        assertEquals(Set.of(), names(leftovers.beside(dir.resolve("c.db"))));
    }

    private static Set<String> names(List<Path> paths) {
        return paths.stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
}
