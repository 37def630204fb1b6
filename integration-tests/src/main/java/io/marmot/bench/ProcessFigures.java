package io.marmot.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** What this process holds and spends, read from {@code /proc} and the JVM's beans: threads, descriptors, CPU. */
final class ProcessFigures {
    private ProcessFigures() {
    }

    static long javaThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).count();
    }

    /** Threads as the kernel counts them: the JVM's own (garbage collector, compilers) included. */
    static long osThreads() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.count();
        }
    }

    /** How many descriptors the process of {@code /proc/<pid>} holds (0 when it is gone). */
    static long fileDescriptors(Path proc) {
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
            return fds.count();
        } catch (IOException e) {
            return 0;
        }
    }

    static List<String> fileDescriptors() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    out.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException e) {
                    // closed meanwhile (the listing's own descriptor)
                }
            }
        }
        return out;
    }

    /** TCP connections of this process to the NATS port: its sockets, looked up in the kernel's table. */
    static long natsConnections(List<String> fds, int port) throws IOException {
        Set<String> inodes = new HashSet<>();
        for (String target : fds) {
            if (target.startsWith("socket:[")) {
                inodes.add(target.substring("socket:[".length(), target.length() - 1));
            }
        }
        long n = 0;
        for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) {
                continue;
            }
            List<String> lines = Files.readAllLines(p); // once: the table changes as connections come and go
            for (String line : lines.subList(1, lines.size())) {
                String[] w = line.trim().split("\\s+");
                String remotePort = w[2].substring(w[2].indexOf(':') + 1);
                if (Integer.parseInt(remotePort, 16) == port && "01".equals(w[3]) && inodes.contains(w[9])) {
                    n++;
                }
            }
        }
        return n;
    }

    /** CPU time by thread name with its numbers left out (marmot-publish-3 counts as marmot-publish-#). */
    static Map<String, Long> cpuByThreadGroup() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> out = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null) {
                out.merge(t.getThreadName().replaceAll("\\d+", "#"), Math.max(0, mx.getThreadCpuTime(t.getThreadId())), Long::sum);
            }
        }
        return out;
    }

    /** CPU ticks (1/100 s) by the kernel's thread names, numbers left out: the JVM's own threads too. */
    static Map<String, Long> osCpuByThreadGroup() throws IOException {
        Map<String, Long> out = new java.util.TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("\\d+", "#");
                    out.merge(name, cpuTicks(t.resolve("stat")), Long::sum);
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        }
        return out;
    }

    /** User and system time of a process, in clock ticks (100 a second), from {@code /proc/<pid>/stat}. */
    static long cpuTicks(Path stat) throws IOException {
        String s = Files.readString(stat);
        String[] w = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(w[11]) + Long.parseLong(w[12]);
    }

    /**
     * The whole machine's busy and total CPU ticks since boot (all cores, from the first line of {@code /proc/stat}):
     * what every process used, nats-server and other load included.
     */
    static long[] machineTicks() throws IOException {
        String[] w = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < Math.min(w.length, 9); i++) { // user … steal; guest time is counted in user already
            total += Long.parseLong(w[i]);
        }
        long idle = Long.parseLong(w[4]) + Long.parseLong(w[5]); // idle, iowait
        return new long[] {total - idle, total};
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static long status(String field) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith(field)) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
