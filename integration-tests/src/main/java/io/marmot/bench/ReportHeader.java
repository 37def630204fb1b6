package io.marmot.bench;

import io.marmot.testing.NatsServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** The report's head: how it was produced, on which machine. */
final class ReportHeader {
    private ReportHeader() {
    }

    static void write(String[] args, boolean quick, Consumer<String> line) {
        line.accept("# Benchmarks");
        line.accept("");
        line.accept("Produced by `bash bench/run.sh" + (args.length > 0 ? " " + String.join(" ", args) : "") + "` on "
                + LocalDate.now() + (quick ? " (quick mode: fewer rows and runs, wider spread)" : "") + ".");
        line.accept("");
        line.accept("Machine: " + Runtime.getRuntime().availableProcessors() + " cores, " + memTotal() + " RAM, JDK "
                + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), "
                + natsVersion() + ", SQLite " + sqliteVersion() + " (sqlite-jdbc). All nodes, NATS and the"
                + " benchmark share this machine, and so did other people's builds and tests (load average " + loadAverage()
                + " at the start). Figures are medians of the runs after a warm-up run, with min–max: compare ratios"
                + " within a run, not rates between runs.");
        line.accept("");
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " / " + f[1] + " / " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String memTotal() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    return String.format("%.0f GiB", Long.parseLong(l.replaceAll("[^0-9]", "")) / 1048576.0);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return "unknown";
        }
        return "unknown";
    }

    private static String sqliteVersion() {
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite::memory:");
                var s = c.createStatement(); var rs = s.executeQuery("SELECT sqlite_version()")) {
            return rs.next() ? rs.getString(1) : "unknown";
        } catch (java.sql.SQLException e) {
            return "unknown";
        }
    }

    private static String natsVersion() {
        try {
            Process p = new ProcessBuilder(NatsServer.binary().toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
