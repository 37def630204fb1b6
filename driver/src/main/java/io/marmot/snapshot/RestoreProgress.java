package io.marmot.snapshot;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Restores under way in this JVM, by database, so the sidecar's {@code /health} can say {@code restoring} while
 * there is no engine yet; and the figures of the last one, handed to the engine that starts on the result.
 */
public final class RestoreProgress {
    private static final Map<Path, String> RUNNING = new ConcurrentHashMap<>();
    private static final Map<Path, Result> DONE = new ConcurrentHashMap<>();

    /** What a finished restore did. */
    record Result(String snapshot, long bytes, long rows, long millis, int refused) {
    }

    private RestoreProgress() {
    }

    /** What the restore of this database is doing now, if one runs. */
    public static Optional<String> of(Path database) {
        return Optional.ofNullable(RUNNING.get(database.toAbsolutePath()));
    }

    static void update(Path database, String status) {
        RUNNING.put(database.toAbsolutePath(), status);
    }

    static void finished(Path database, Result result) {
        RUNNING.remove(database.toAbsolutePath());
        if (result != null) {
            DONE.put(database.toAbsolutePath(), result);
        }
    }

    static Result takeResult(Path database) {
        return DONE.remove(database.toAbsolutePath());
    }
}
