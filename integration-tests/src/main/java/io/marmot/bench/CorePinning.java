package io.marmot.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The writing threads on a core of their own: they on the first core, every other thread of this JVM (Marmot's,
 * jnats', the garbage collector's and compilers') and nats-server on the second, by {@code taskset} (Linux). Threads
 * started while pinned are found by a look every 20 ms, so a pool thread started by a writer (inheriting its core)
 * is moved within that. Measures what the writers pay when the replication pipeline does not share their core: the
 * deployment the 2-core figures cannot show.
 */
final class CorePinning implements AutoCloseable {
    private static final String WRITER_CORE = "0";
    private static final String OTHERS_CORE = "1";
    private static final String ALL_CORES = "0-" + (Runtime.getRuntime().availableProcessors() - 1);

    private final long natsPid;
    private final Set<Long> moved = new HashSet<>();
    private final Thread looker;
    private volatile boolean stopped;

    /** Whether this machine can pin: Linux, {@code taskset} on the PATH, at least two cores. */
    static boolean available() {
        return Runtime.getRuntime().availableProcessors() >= 2 && Files.isDirectory(Path.of("/proc/thread-self"))
                && List.of(System.getenv().getOrDefault("PATH", "").split(":")).stream()
                        .anyMatch(d -> Files.isExecutable(Path.of(d, "taskset")));
    }

    /** Everything on the second core, but for the threads that join the writers ({@link #addWriter}). */
    CorePinning(long natsPid) throws IOException, InterruptedException {
        this.natsPid = natsPid;
        taskset(true, OTHERS_CORE, natsPid);
        // One taskset for all of this JVM's threads: one each would take the first 100 ms of a run
        taskset(true, OTHERS_CORE, ProcessHandle.current().pid());
        moved.addAll(tids());
        looker = new Thread(this::lookEvery20ms, "bench-core-pinning");
        looker.setDaemon(true);
        looker.start();
    }

    /** The calling thread on the writers' core. */
    synchronized void addWriter() throws IOException, InterruptedException {
        long tid = ownTid();
        moved.add(tid);
        taskset(false, WRITER_CORE, tid);
    }

    private void lookEvery20ms() {
        while (!stopped) {
            try {
                moveOthers();
                TimeUnit.MILLISECONDS.sleep(20);
            } catch (IOException e) {
                System.err.println("core pinning stopped: " + e);
                return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void moveOthers() throws IOException, InterruptedException {
        for (long tid : tids()) {
            if (!stopped && moved.add(tid)) {
                taskset(false, OTHERS_CORE, tid);
            }
        }
    }

    private static List<Long> tids() throws IOException {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.map(t -> Long.parseLong(t.getFileName().toString())).toList();
        }
    }

    @Override
    public synchronized void close() throws IOException, InterruptedException {
        stopped = true;
        looker.interrupt();
        taskset(true, ALL_CORES, ProcessHandle.current().pid());
        taskset(true, ALL_CORES, natsPid);
    }

    private static long ownTid() throws IOException {
        // "/proc/thread-self" links to "<pid>/task/<tid>"
        return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
    }

    /** {@code taskset -p [-a] -c cores id}: a thread (or, with {@code allThreads}, a process's threads) ended meanwhile is no failure. */
    private static void taskset(boolean allThreads, String cores, long id) throws IOException, InterruptedException {
        List<String> cmd = allThreads ? List.of("taskset", "-a", "-p", "-c", cores, Long.toString(id))
                : List.of("taskset", "-p", "-c", cores, Long.toString(id));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("taskset did not end within 10 s: " + cmd);
        }
    }
}
