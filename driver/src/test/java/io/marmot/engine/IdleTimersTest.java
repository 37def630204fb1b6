package io.marmot.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import io.marmot.nats.NatsLink;
import io.marmot.replication.MarmotRuntime;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idle replicated databases run nothing on a timer that finds nothing to do (issue 24). An applier runs only for its
 * feeds' looks: once its connection is closed and nothing waits, it steps about once in 15 to 20 s, not on a tick
 * every 4 s (the old code: 250 steps a second at 1,000 databases). The snapshot schedule's tick is handed to the connection's
 * threads only when a look is due (its streams moved, or its once-a-minute look), not every 5 s to return at once
 * (200 tasks a second). A row written after the quiet spell still reaches the other replica, and one written there
 * comes back.
 */
class IdleTimersTest {
    private static final int TENANTS = 2;
    private static final int DATABASES = 2 * TENANTS;
    private static final Duration WITHIN = Duration.ofSeconds(120);
    private static final Duration PROMPTLY = Duration.ofSeconds(10);
    /** The old code's 4 s ticks make at least 3 steps per database in this window; the feeds' looks at most 1. */
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(16);
    private static final long MOST_STEPS = DATABASES;
    /**
     * The engines' tasks on the connection's threads in the same window: a claim renewal (every 20 s), a verification
     * round (30 s) and a snapshot look (60 s) at most each per database, about 0.4 a second for four; the old code's
     * snapshot ticks alone were 0.8 a second, at least 3 per database in any window.
     */
    private static final long MOST_ENGINE_TASKS = 2 * DATABASES;

    @TempDir
    Path dir;

    @Test
    void idleDatabasesRunNoTimerWorkThatFindsNothingAndStillReplicate() throws Exception {
        Path root = dir.toRealPath();
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            ReplicatedTenants.startWithARow(TENANTS, WITHIN, (t, n) -> file(root, t, n),
                    (t, n) -> url(t, n, nats.url()));

            // Every step of an applier is a task of the JVM's applying pool, and nothing else runs there.
            ThreadPoolExecutor apply = (ThreadPoolExecutor) MarmotRuntime.get().apply();
            quietWindow("appliers stepped", MOST_STEPS, () -> apply.getCompletedTaskCount() + apply.getActiveCount());
            quietWindow("engines' tasks ran on the connection's threads", MOST_ENGINE_TASKS, NatsLink::engineTasks);

            for (int t = 0; t < TENANTS; t++) {
                try (Connection c = Db.node(file(root, t, 1), url(t, 1, nats.url()))) {
                    Db.exec(c, "INSERT INTO notes VALUES (2, 'after the quiet')");
                }
                try (Connection c = Db.node(file(root, t, 2), url(t, 2, nats.url()))) {
                    Db.exec(c, "INSERT INTO notes VALUES (3, 'back after the quiet')");
                }
            }
            for (int t = 0; t < TENANTS; t++) {
                Path first = file(root, t, 1);
                Path second = file(root, t, 2);
                Await.until(PROMPTLY, "tenant " + t + "'s rows on both replicas",
                        () -> Db.count(first, "SELECT count(*) FROM notes") == 3
                                && Db.count(second, "SELECT count(*) FROM notes") == 3);
                assertEquals(Db.dump(first), Db.dump(second));
            }
        } finally {
            Marmot.closeAll();
        }
    }

    /** Waits for a window in which the count grew by {@code most} at most. */
    private static void quietWindow(String what, long most, java.util.concurrent.Callable<Long> count) throws Exception {
        ArrayDeque<long[]> samples = new ArrayDeque<>();
        Await.until(WITHIN, "a window of " + TimeUnit.NANOSECONDS.toSeconds(WINDOW_NANOS) + " s in which the "
                + DATABASES + " idle databases' " + what + " at most " + most + " times", () -> {
                    long now = System.nanoTime();
                    long n = count.call();
                    samples.addLast(new long[] {now, n});
                    // Kept: the newest sample at least a window old, and all after it.
                    while (samples.size() > 1 && now - second(samples)[0] >= WINDOW_NANOS) {
                        samples.removeFirst();
                    }
                    long[] start = samples.peekFirst();
                    return now - start[0] >= WINDOW_NANOS && n - start[1] <= most;
                });
    }

    private static long[] second(ArrayDeque<long[]> samples) {
        java.util.Iterator<long[]> i = samples.iterator();
        i.next();
        return i.next();
    }

    private static Path file(Path root, int tenant, int node) {
        return root.resolve("tenant-" + tenant + "-" + node + ".db");
    }

    /** Each tenant its own streams and subjects, as with a database per tenant. */
    private static String url(int tenant, int node, String natsUrl) {
        return "node-id=" + node + "&nats-url=" + natsUrl + "&stream-prefix=ia" + tenant + "&subject-prefix=ia" + tenant;
    }
}
