package io.marmot.snapshot;

import io.marmot.replication.MarmotRuntime;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Restores under way in this JVM, by database, so the sidecar's {@code /health} can say {@code restoring} while
 * there is no engine yet; and the figures of the last one, handed to the engine that starts on the result. Kept by
 * the {@link MarmotRuntime}.
 */
public final class RestoreProgress implements MarmotRuntime.Registry {
    private static final MarmotRuntime.RegistryKey<RestoreProgress> KEY =
            new MarmotRuntime.RegistryKey<>("restores", 13, RestoreProgress::new);

    private final Map<Path, String> running = new ConcurrentHashMap<>();
    private final Map<Path, Result> done = new ConcurrentHashMap<>();

    /** What a finished restore did. */
    record Result(String snapshot, long bytes, long rows, long millis, int refused) {
    }

    private RestoreProgress() {
    }

    /** What the restore of this database is doing now, if one runs. */
    public static Optional<String> of(Path database) {
        MarmotRuntime runtime = MarmotRuntime.existing();
        return runtime == null ? Optional.empty()
                : Optional.ofNullable(runtime.registry(KEY).running.get(database.toAbsolutePath()));
    }

    static void update(Path database, String status) {
        MarmotRuntime.get().registry(KEY).running.put(database.toAbsolutePath(), status);
    }

    static void finished(Path database, Result result) {
        RestoreProgress p = MarmotRuntime.get().registry(KEY);
        p.running.remove(database.toAbsolutePath());
        if (result != null) {
            p.done.put(database.toAbsolutePath(), result);
        }
    }

    static Result takeResult(Path database) {
        return MarmotRuntime.get().registry(KEY).done.remove(database.toAbsolutePath());
    }

    @Override
    public void close() {
        running.clear();
        done.clear();
    }
}
