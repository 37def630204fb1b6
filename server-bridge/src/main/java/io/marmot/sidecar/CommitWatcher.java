package io.marmot.sidecar;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices commits of other processes as they happen: watches the database's directory (inotify on Linux) and
 * calls {@code onChange} when the database or its WAL is written. A commit becomes visible to readers only
 * when its writer updates the WAL index (shared memory, which raises no file event) just after its last
 * write, so {@code onChange} runs again a few milliseconds after the last event. The engine's own polling
 * ({@code poll-interval}) stays as the fallback for file systems without change events.
 */
final class CommitWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CommitWatcher.class);
    /** Milliseconds after the last file event at which {@code onChange} runs again. */
    private static final long[] TRAILING_MS = {2, 10, 40};

    private final WatchService watcher;
    private final String dbName;
    private final String walName;
    private final Runnable onChange;
    private final Thread thread;
    private volatile boolean closed;

    private CommitWatcher(WatchService watcher, Path database, Runnable onChange, String threadName) {
        this.watcher = watcher;
        this.dbName = database.getFileName().toString();
        this.walName = dbName + "-wal";
        this.onChange = onChange;
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    static CommitWatcher start(Path database, Runnable onChange, String threadName) throws IOException {
        Path dir = database.toAbsolutePath().getParent();
        WatchService ws = dir.getFileSystem().newWatchService();
        try {
            dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException | RuntimeException e) {
            ws.close();
            throw e;
        }
        CommitWatcher w = new CommitWatcher(ws, database, onChange, threadName);
        w.thread.start();
        log.debug("watching {} for commits of other processes", dir);
        return w;
    }

    private void run() {
        int trailing = -1; // index into TRAILING_MS while wake-ups after the last event are due, else -1
        try {
            while (!closed) {
                WatchKey key = trailing < 0 ? watcher.take()
                        : watcher.poll(TRAILING_MS[trailing] - (trailing == 0 ? 0 : TRAILING_MS[trailing - 1]),
                                TimeUnit.MILLISECONDS);
                if (key == null) {
                    onChange.run();
                    trailing = trailing + 1 < TRAILING_MS.length ? trailing + 1 : -1;
                    continue;
                }
                boolean relevant = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    relevant |= event.kind() == StandardWatchEventKinds.OVERFLOW || concerns(event.context());
                }
                if (!key.reset()) {
                    log.warn("the database directory cannot be watched any more; commits of other processes are"
                            + " now noticed by polling only");
                    return;
                }
                if (relevant) {
                    onChange.run();
                    trailing = 0;
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        } catch (RuntimeException e) {
            log.warn("watching the database failed ({}); commits of other processes are now noticed by polling only",
                    e.toString());
        }
    }

    private boolean concerns(Object context) {
        if (!(context instanceof Path p)) {
            return true;
        }
        String name = p.toString();
        return name.equals(walName) || name.equals(dbName);
    }

    @Override
    public void close() {
        closed = true;
        try {
            watcher.close();
        } catch (IOException e) {
            log.debug("closing the watch service: {}", e.toString());
        }
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
