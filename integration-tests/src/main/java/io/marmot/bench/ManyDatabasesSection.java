package io.marmot.bench;

import io.marmot.testing.NatsServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Section 7, many databases in one JVM: 1,000 files (50 with {@code --quick}), and with {@code --tenants N} also
 * 2·N files in a JVM of their own ({@code --tenants-heap}, default 4g; {@code --tenants-servers K}: on K
 * nats-servers of their own, the tenants spread over them), each as a table of figures.
 */
final class ManyDatabasesSection {
    private ManyDatabasesSection() {
    }

    static void report(Path dir, String natsUrl, long natsPid, boolean quick, String[] args, Consumer<String> line)
            throws Exception {
        int count = quick ? 50 : 1000;
        ManyDatabases.Result r = ManyDatabases.measure(dir.resolve("many"), natsUrl, Long.toString(natsPid), count, "1g",
                settle(quick), idle(quick));
        line.accept("");
        line.accept("## 7. Many databases in one JVM");
        line.accept("");
        line.accept(String.format("%,d replicated database files in one JVM (`-Xmx1g`), as with a database per tenant: %,d"
                + " tenants with two replicas each, every tenant its own stream (`stream-prefix`, `subject-prefix`,"
                + " `max-log-bytes` 8 MiB), one nats-server. Opened from %d threads; then one row written to every"
                + " tenant's first replica from the same threads and awaited on its second. NATS requests are counted by a connection of the"
                + " benchmark's own that subscribes to every subject (for %d s after the CPU window). Idle figures are taken"
                + " %d s after the rows replicated, past the start's looks, over %d s (what each database does once a"
                + " minute is in the window once).", count, count / 2,
                ManyDatabases.OPENERS, Math.max(20, idle(quick)), settle(quick), idle(quick)));
        table(r, count, line);
        String tenants = SoakSection.option(args, "--tenants", "");
        if (!tenants.isEmpty()) {
            int many = 2 * Integer.parseInt(tenants);
            String heap = SoakSection.option(args, "--tenants-heap", "4g");
            int servers = Integer.parseInt(SoakSection.option(args, "--tenants-servers", "1"));
            ManyDatabases.Result big;
            String where;
            if (servers > 1) {
                // One server's descriptor limit holds about 2,000 tenants' stream sets (2 descriptors a stream), and a
                // JetStream cluster created R1 streams too slowly (2,550 in 6 minutes on 4 servers): independent
                // servers, the tenants spread over them, one NATS connection to each.
                List<NatsServer> started = new ArrayList<>();
                try {
                    for (int i = 0; i < servers; i++) {
                        started.add(NatsServer.start(dir.resolve("nats-" + many + "-" + i)));
                    }
                    String urls = started.stream().map(NatsServer::url).collect(Collectors.joining(","));
                    String pids = started.stream().map(n -> Long.toString(n.pid())).collect(Collectors.joining(","));
                    big = ManyDatabases.measure(dir.resolve("many-" + many), urls, pids, many, heap, settle(false), idle(false));
                } finally {
                    for (NatsServer n : started) {
                        n.close();
                    }
                }
                where = String.format("on %d nats-servers of its own, tenant t on server t mod %d (their CPU summed)",
                        servers, servers);
            } else {
                big = ManyDatabases.measure(dir.resolve("many-" + many), natsUrl, Long.toString(natsPid), many, heap,
                        settle(false), idle(false));
                where = "on the same nats-server (the 1,000 above closed by then, their streams left on the server)";
            }
            line.accept("");
            line.accept(String.format("### %,d databases (`--tenants %s%s`, `-Xmx%s`)", many, tenants,
                    servers > 1 ? " --tenants-servers " + servers : "", heap));
            line.accept("");
            line.accept(String.format("The same with %,d tenants of two replicas each, in a JVM of its own, %s.",
                    many / 2, where));
            table(big, many, line);
        }
    }

    /** The idle measures' window: a minute and more, unless quick. */
    private static int idle(boolean quick) {
        return quick ? 10 : 65;
    }

    /** Seconds between the rows replicated and the idle measures: past the one-minute quiet looks, unless quick. */
    private static int settle(boolean quick) {
        return quick ? 10 : 70;
    }

    private static void table(ManyDatabases.Result r, int count, Consumer<String> line) {
        line.accept("");
        line.accept("| | figure |");
        line.accept("|---|---|");
        line.accept(String.format("| time to open all (engine start, table created) | %.1f s |", r.get("open_seconds")));
        line.accept(String.format("| then until a row written to every tenant (from %d threads) was on its other replica"
                + " | %.1f s from the first write, %.1f s after the last (the writes took %.1f s) |", ManyDatabases.OPENERS,
                r.get("replicated_seconds"), r.get("replicated_after_writes_seconds"), r.get("write_seconds")));
        line.accept(String.format("| the same once all were idle (the engines' connections closed, as for tenants written"
                + " after a quiet while) | %.1f s from the first write, %.1f s after the last (the writes took %.1f s);"
                + " at most %,.0f file descriptors (%.1f per database) |", r.get("replicated_seconds_after_idle"),
                r.get("replicated_after_writes_seconds_after_idle"), r.get("write_seconds_after_idle"),
                r.get("fds_peak_after_idle"), (r.get("fds_peak_after_idle") - r.get("fds_before")) / count));
        line.accept(String.format("| Java threads (JVM's own included) | %.0f (before opening: %.0f) |", r.get("threads"),
                r.get("threads_before")));
        line.accept(String.format("| of them Marmot's | %.0f |", r.get("marmot_threads")));
        line.accept(String.format("| OS threads (garbage collector and compilers included) | %.0f |", r.get("os_threads")));
        line.accept(String.format("| NATS connections | %.0f |", r.get("nats_connections")));
        line.accept(String.format("| file descriptors of nats-server (the most of one) | %,.0f |", r.get("nats_fds")));
        line.accept(String.format("| file descriptors | %,.0f (%.1f per database); the most while opening: %,.0f (%.1f per"
                + " database), while opening and replicating: %,.0f (%.1f per database) |", r.get("fds"),
                (r.get("fds") - r.get("fds_before")) / count, r.get("fds_peak_opening"),
                (r.get("fds_peak_opening") - r.get("fds_before")) / count, r.get("fds_peak"),
                (r.get("fds_peak") - r.get("fds_before")) / count));
        line.accept(String.format("| at that peak: database files, WALs, `-shm`; the engines' connections |"
                + " %,.0f, %,.0f, %,.0f; %,.0f |", r.get("fds_peak_db"), r.get("fds_peak_wal"),
                r.get("fds_peak_shm"), r.get("fds_peak_engine_connections")));
        line.accept(String.format("| heap used after GC / committed | %.0f MiB / %.0f MiB |", r.get("heap_mib"),
                r.get("heap_committed_mib")));
        line.accept(String.format("| RSS | %,.0f MiB |", r.get("rss_mib")));
        line.accept(String.format("| CPU while idle, Marmot's threads | %.1f %% of one core |",
                r.get("idle_cpu_marmot_percent")));
        line.accept(String.format("| CPU while idle, whole JVM (its compiler still warming up) | %.1f %% of one core |",
                r.get("idle_cpu_percent")));
        line.accept(String.format("| CPU while idle, nats-server | %.1f %% of one core |", r.get("idle_cpu_nats_percent")));
        line.accept(String.format("| applier steps while idle (tasks of `marmot-apply-*`) | %,.1f a second |",
                r.get("idle_apply_steps_per_second")));
        line.accept(String.format("| engines' tasks while idle (on the NATS connection's `-engines-*` threads) | %,.1f a second |",
                r.get("idle_engine_tasks_per_second")));
        line.accept(String.format("| NATS requests while idle | %,.1f a second (%s) |", r.get("requests:total"),
                requests(r.figures(), "requests:")));
        line.accept(String.format("| NATS requests while opening, per database | %,.1f (%s) |",
                r.get("open_requests:total"), requests(r.figures(), "open_requests:")));
        line.accept(String.format("| time to shut down (`Marmot.closeAll`) | %.1f s |", r.get("shutdown_seconds")));
        line.accept(String.format("| after shutdown: Java threads, NATS connections | %.0f, %.0f |", r.get("threads_after"),
                r.get("nats_connections_after")));
    }

    /** "direct.get:nodes 8.3, kv.put:nodes 25.0 …": the requests counted under {@code prefix}, by kind, the larger first. */
    private static String requests(Map<String, Double> figures, String prefix) {
        return figures.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix) && !e.getKey().equals(prefix + "total") && e.getValue() >= 0.05)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .map(e -> String.format("%s %.1f", e.getKey().substring(prefix.length()), e.getValue()))
                .reduce((a, b) -> a + ", " + b).orElse("none");
    }
}
