package io.marmot.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The writing threads on a core of their own: they on the first core this process may use, every other thread of this
 * JVM (Marmot's, jnats', the garbage collector's and compilers') and nats-server on the second, by {@code taskset}
 * (Linux), and all back on the cores they had once closed. Threads
 * started while pinned are found by a look every 20 ms, so a pool thread started by a writer (inheriting its core)
 * is moved within that. Measures what the writers pay when the replication pipeline does not share their core: the
 * deployment the 2-core figures cannot show.
 */
final class CorePinning implements AutoCloseable {
    private final String allCores = allowedCores();
    private final String writerCore;
    private final String othersCore;
    private final long natsPid;
    private final Set<Long> moved = new HashSet<>();
    private final Thread looker;
    private volatile boolean stopped;
    /** What kept the look from moving a thread: close() fails with it (the figures would be wrong, not slower). */
    private volatile IOException lookFailed;

    /** Whether this machine can pin: Linux, {@code taskset} on the PATH, at least two cores this process may use. */
    static boolean available() {
        try {
            return Files.isDirectory(Path.of("/proc/thread-self")) && cores(allowedCores()).size() >= 2
                    && List.of(System.getenv().getOrDefault("PATH", "").split(":")).stream()
                            .anyMatch(d -> Files.isExecutable(Path.of(d, "taskset")));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Everything on the second core, but for the threads that join the writers ({@link #addWriter}). */
    CorePinning(long natsPid) throws IOException, InterruptedException {
        List<Integer> cores = cores(allCores);
        this.writerCore = cores.get(0).toString();
        this.othersCore = cores.get(1).toString();
        this.natsPid = natsPid;
        moveAll(natsPid, othersCore);
        // One taskset for all of this JVM's threads: one each would take the first 100 ms of a run
        moveAll(ProcessHandle.current().pid(), othersCore);
        moved.addAll(tids(ProcessHandle.current().pid()));
        looker = new Thread(this::lookEvery20ms, "bench-core-pinning");
        looker.setDaemon(true);
        looker.start();
    }

    /** The calling thread on the writers' core. */
    synchronized void addWriter() throws IOException, InterruptedException {
        long tid = ownTid();
        moved.add(tid);
        require(taskset(false, writerCore, tid));
    }

    String writerCore() {
        return writerCore;
    }

    String othersCore() {
        return othersCore;
    }

    /** This process's {@code Cpus_allowed_list} ("0-1", "4,6"): its main thread's. */
    static String allowedCores() throws IOException {
        long pid = ProcessHandle.current().pid();
        String cores = affinity(pid, pid);
        if (cores == null) {
            throw new IOException("no Cpus_allowed_list in /proc/" + pid + "/status");
        }
        return cores;
    }

    /** The cores of a list such as "0-2,4". */
    static List<Integer> cores(String list) {
        List<Integer> out = new java.util.ArrayList<>();
        for (String part : list.split(",")) {
            String[] range = part.trim().split("-");
            int from = Integer.parseInt(range[0]);
            int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
            for (int c = from; c <= to; c++) {
                out.add(c);
            }
        }
        return out;
    }

    private void lookEvery20ms() {
        while (!stopped) {
            try {
                moveOthers();
                TimeUnit.MILLISECONDS.sleep(20);
            } catch (IOException e) {
                lookFailed = e;
                return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void moveOthers() throws IOException, InterruptedException {
        for (long tid : tids(ProcessHandle.current().pid())) {
            if (!stopped && moved.add(tid)) {
                String failed = taskset(false, othersCore, tid);
                if (failed != null && affinity(ProcessHandle.current().pid(), tid) != null) {
                    throw new IOException(failed); // a thread that ended meanwhile is no failure; one still there is
                }
            }
        }
    }

    private static List<Long> tids(long pid) throws IOException {
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.map(t -> Long.parseLong(t.getFileName().toString())).toList();
        }
    }

    /**
     * Every thread of the process on {@code cores}. {@code taskset -a} fails when one of the threads it lists ends
     * before it is moved (this JVM's process reapers come and go with every taskset it starts): then the threads
     * still elsewhere are moved one by one, a few times over, and any left behind fail the run.
     */
    private static void moveAll(long pid, String cores) throws IOException, InterruptedException {
        String failed = taskset(true, cores, pid);
        for (int round = 0; failed != null; round++) {
            List<Long> elsewhere = new java.util.ArrayList<>();
            for (long tid : tids(pid)) {
                String now = affinity(pid, tid);
                if (now != null && !now.equals(cores)) {
                    elsewhere.add(tid);
                }
            }
            if (elsewhere.isEmpty()) {
                return;
            }
            if (round == 3) {
                throw new IOException(failed + ", and threads " + elsewhere + " of " + pid + " stayed off " + cores);
            }
            for (long tid : elsewhere) {
                taskset(false, cores, tid); // one that ended meanwhile is no failure
            }
        }
    }

    /** A thread's {@code Cpus_allowed_list}, or null once it has ended. */
    static String affinity(long pid, long tid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "task", Long.toString(tid), "status"))
                    .stream().filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst()
                    .map(l -> l.substring("Cpus_allowed_list:".length()).trim()).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public synchronized void close() throws IOException, InterruptedException {
        stopped = true;
        looker.interrupt();
        moveAll(ProcessHandle.current().pid(), allCores);
        moveAll(natsPid, allCores);
        if (lookFailed != null) {
            throw new IOException("a thread started while pinned was not moved off the writers' core", lookFailed);
        }
    }

    static long ownTid() throws IOException {
        // "/proc/thread-self" links to "<pid>/task/<tid>"
        return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
    }

    /** {@code taskset -p [-a] -c cores id}: the command, if it failed (else null). */
    private static String taskset(boolean allThreads, String cores, long id) throws IOException, InterruptedException {
        List<String> cmd = allThreads ? List.of("taskset", "-a", "-p", "-c", cores, Long.toString(id))
                : List.of("taskset", "-p", "-c", cores, Long.toString(id));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("taskset did not end within 10 s: " + cmd);
        }
        return p.exitValue() == 0 ? null : String.join(" ", cmd) + " exited with " + p.exitValue();
    }

    /** Pinned rows that were not pinned would be wrong figures, not slower ones. */
    private static void require(String failure) throws IOException {
        if (failure != null) {
            throw new IOException(failure);
        }
    }
}
