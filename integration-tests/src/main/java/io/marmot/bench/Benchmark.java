package io.marmot.bench;

import io.marmot.testing.NatsServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark anyone can run: {@code bash bench/run.sh [--quick] [--only 1,10] [--snapshots-only] [--out FILE]}
 * ({@code --apply-cost [messages] [rounds]}: {@link ApplyCost} alone). Prints a table and writes it to
 * {@code docs/benchmarks.md}, every figure next to the physical limit measured in the same run. The nemesis soak
 * (section 11, 15 minutes) runs only when asked for: {@code --only soak [--soak-minutes N] [--soak-seed N]}; section 7
 * measures many more databases with {@code --tenants N [--tenants-heap 4g] [--tenants-servers K]} (N tenants of two
 * replicas, besides the 500; K: on a cluster of K nats-servers of their own).
 */
public final class Benchmark {
    private final boolean quick;
    private final Path dir;
    private final StringBuilder report = new StringBuilder();

    private Benchmark(boolean quick, Path dir) {
        this.quick = quick;
        this.dir = dir;
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        int applyCost = Arrays.asList(args).indexOf("--apply-cost");
        if (applyCost >= 0) { // the apply path's cost per row alone, printed (no NATS, no report file)
            ApplyCost.main(Arrays.copyOfRange(args, applyCost + 1, args.length));
            return;
        }
        boolean quick = Arrays.asList(args).contains("--quick");
        Path out = Path.of("docs", "benchmarks.md");
        java.util.Set<String> only = new java.util.HashSet<>();
        if (Arrays.asList(args).contains("--snapshots-only")) {
            only.add("8");
        }
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--out")) {
                out = Path.of(args[i + 1]);
            }
            if (args[i].equals("--only")) {
                only.addAll(Arrays.asList(args[i + 1].split(",")));
            }
        }
        if (only.equals(java.util.Set.of("pool")) && !Arrays.asList(args).contains("--out")) {
            out = Path.of("target", "benchmark-pool.md"); // not a numbered section: it would not merge into the file
        }
        java.util.function.Predicate<String> runs = section -> only.isEmpty() || only.contains(section);
        if (only.equals(java.util.Set.of("soak"))) { // the soak alone: its section replaces the old one, the rest stays
            SoakSection.alone(args, out);
            return;
        }
        Path dir = Files.createTempDirectory("marmot-bench");
        Benchmark b = new Benchmark(quick, dir);
        long t0 = System.nanoTime();
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            ReportHeader.write(args, quick, b::line);
            if (runs.test("1")) {
                new LocalWritesSection(dir, nats.url(), nats.pid(), quick, b::line).report();
            } else if (only.contains("pool")) { // §1's concurrent-writer rows alone, to compare builds quickly
                new LocalWritesSection(dir, nats.url(), nats.pid(), quick, b::line).writersOnly();
            }
            if (runs.test("2") || runs.test("3")) { // throughput is judged against the limits of the same run
                double[] limits = b.jetStreamLimits(nats.url());
                b.replication(nats.url(), limits);
            }
            if (runs.test("12")) {
                ListenerCost.report(dir, nats.url(), quick, b::line);
            }
            if (runs.test("7")) {
                ManyDatabasesSection.report(dir, nats.url(), nats.pid(), quick, args, b::line);
            }
            if (runs.test("9")) {
                SidecarLatency.report(SidecarLatency.measure(dir, nats.url(), quick ? 10 : 50), b::line);
            }
            if (runs.test("10")) {
                b.verification(nats.url());
            }
            if (runs.test("8")) {
                b.snapshots(nats.url());
            }
            if (runs.test("13")) {
                ClusterRun.report(dir, quick, b::line);
            }
            if (only.contains("soak")) {
                SoakSection.report(args, b::line);
            }
        }
        io.marmot.Marmot.closeAll();
        deleteTree(dir);
        String runLine = String.format("This run: %.0f s%s.", (System.nanoTime() - t0) / 1e9,
                only.isEmpty() ? "" : ", sections " + String.join(", ", new java.util.TreeSet<>(only)));
        System.out.println(runLine);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, ReportFile.merged(out, b.report.toString(), runLine));
        System.out.println("\nwritten to " + out);
    }

    static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private double[] jetStreamLimits(String natsUrl) throws Exception {
        int runs = quick ? 2 : 3;
        int n = quick ? 20_000 : 100_000;
        List<Double> pubSmall = new ArrayList<>();
        List<Double> subSmall = new ArrayList<>();
        List<Double> pubLarge = new ArrayList<>();
        List<Double> subLarge = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            double[] s = JetStreamLimits.measure(natsUrl, "limit-small-" + r, n, 200);
            pubSmall.add(s[0]);
            subSmall.add(s[1]);
            double[] l = JetStreamLimits.measure(natsUrl, "limit-large-" + r, n / 10, 12_000);
            pubLarge.add(l[0]);
            subLarge.add(l[1]);
        }
        line("## 2. Limits measured in the same run (plain jnats, same server)");
        line("");
        line("| operation | message size | msgs/s |");
        line("|---|---|---|");
        line("| async publish, 256 acks in flight | 200 B (a 1-row transaction) | " + Stats.of(pubSmall).format("") + " |");
        line("| pull consume, ack each | 200 B | " + Stats.of(subSmall).format("") + " |");
        line("| async publish, 256 acks in flight | 12 KB (a 100-row transaction) | " + Stats.of(pubLarge).format("") + " |");
        line("| pull consume, ack each | 12 KB | " + Stats.of(subLarge).format("") + " |");
        line("");
        return new double[] {Stats.of(pubSmall).median(), Stats.of(subSmall).median(), Stats.of(pubLarge).median(),
                Stats.of(subLarge).median()};
    }

    private void replication(String natsUrl, double[] limits) throws Exception {
        ReplicationRun.Result run = ReplicationRun.measure(dir, natsUrl, quick);
        List<Double> tx1 = run.tx1();
        List<Double> tx100 = run.tx100();
        List<Double> all3 = run.all3();
        double catchUp = run.catchUpSeconds();
        double[][] memory = run.memory();
        Stats.Summary s1 = Stats.of(tx1);
        Stats.Summary s100 = Stats.of(tx100);
        Stats.Summary s3 = Stats.of(all3);
        line("## 3. Replication throughput (one writer JVM, two peer JVMs)");
        line("");
        line("Committed transactions per second whose rows are readable on BOTH peers (timed from the first commit");
        line("to the last row visible on the slower peer). Ratio = ours ÷ the plain JetStream limit of section 2.");
        line("");
        line("| transactions | tx/s reaching both peers | rows/s | vs JetStream publish | vs JetStream consume |");
        line("|---|---|---|---|---|");
        line(String.format("| 1 row each | %s | %s | %.2f | %.2f |", s1.format(""), Stats.human(s1.median()),
                s1.median() / limits[0], s1.median() / limits[1]));
        line(String.format("| 100 rows each | %s | %s | %.2f (per message) | %.2f |", s100.format(""),
                Stats.human(s100.median() * 100), s100.median() / limits[2], s100.median() / limits[3]));
        line(String.format("| 100 rows each, all three nodes writing | %s | %s | | |", s3.format(""),
                Stats.human(s3.median() * 100)));
        line("");
        ScalingRun.report(dir, quick, this::line);

        line("## 4. Replication lag");
        line("");
        line("Commit returned on the writer → row visible to a reader polling a peer's database (both in one JVM,");
        line("one clock; 1-row autocommit transactions).");
        line("");
        line("| offered load | transactions | p50 | p99 | max |");
        line("|---|---|---|---|---|");
        int seconds = quick ? 3 : 10;
        long[] steady = Lag.measure(dir, natsUrl, "steady", 1000, seconds);
        lagRow("1,000 tx/s", steady);
        long[] saturated = Lag.measure(dir, natsUrl, "saturated", 0, quick ? 2 : 5);
        lagRow("as fast as the writer can (saturation)", saturated);
        line("");

        line("## 5. Catch-up");
        line("");
        line(String.format("A peer that was down while 100,000 rows were written (1000-row transactions) converged %.2f s"
                + " after its JVM was started again (start-up included).", catchUp));
        line("");
        line("## 6. Memory per node under load");
        line("");
        line("| node | peak heap | peak RSS |");
        line("|---|---|---|");
        line(String.format("| writer (node 1) | %.0f MiB | %.0f MiB |", memory[0][0], memory[0][1]));
        line(String.format("| peer (node 2) | %.0f MiB | %.0f MiB |", memory[1][0], memory[1][1]));
        line(String.format("| peer catching up (node 3) | %.0f MiB | %.0f MiB |", memory[2][0], memory[2][1]));
        line("");
        line("Node JVMs run with `-Xmx512m`; the peak heap is sampled every 50 ms.");
    }

    private void verification(String natsUrl) throws Exception {
        VerifyRun.Result r = VerifyRun.measure(dir, natsUrl, quick);
        line("## 10. Verification (anti-entropy)");
        line("");
        line(String.format("Two nodes sharing one table of %,d rows (~100 B each), `verify-interval=1`, in one JVM.", r.rows()));
        line("");
        line("| figure | value |");
        line("|---|---|");
        line(String.format("| a round from cold (every range of the table hashed: the first after start) | %d ms |",
                r.coldRoundMillis()));
        line(String.format("| an idle round (nothing changed: the digest is reused) | %d ms |", r.idleRoundMillis()));
        line(String.format("| … its own CPU (`stats().lastRoundCpuMicros()`: the round thread's time), rows read | %.1f ms, %d |",
                r.idleRound().lastRoundCpuMicros() / 1000.0, r.idleRound().lastRoundRowsRead()));
        line(String.format("| process CPU per round while idle (both nodes, all their idle work included) | %.1f ms |",
                r.idleCpuMillisPerRound()));
        line(String.format("| a node's digest, published to the KV bucket each round | %,d bytes |", r.digestBytes()));
        line(String.format("| 100 rows changed behind capture on one node → equal on both nodes again | %.1f s |",
                r.repairSeconds()));
        line(String.format("| … the peer's last round at that moment | %d ms |", r.changedRoundMillis()));
        line(String.format("| … the round that read most rows meanwhile (the sweep finds writes that changed no version):"
                + " time, CPU, rows read | %d ms, %.1f ms, %,d |", r.busiestRound().lastRoundMillis(),
                r.busiestRound().lastRoundCpuMicros() / 1000.0, r.busiestRound().lastRoundRowsRead()));
        line(String.format("| … rows found different, repair messages exchanged | %d rows, %,d bytes |", r.rowsFound(),
                r.repairBytes()));
        line(String.format("| replicated writes (10-row transactions, until on the peer), verification off | %s rows/s |",
                Stats.human(r.writesOff())));
        line(String.format("| the same with verification every second | %s rows/s (%.2f× off) |", Stats.human(r.writesOn()),
                r.writesOn() / r.writesOff()));
        line("");
        line("A difference must be seen in two rounds running (the settle window) before it is narrowed and repaired,");
        line("so the repair time includes about two `verify-interval`s.");
        line("");
    }

    private void snapshots(String natsUrl) throws Exception {
        SnapshotRun.Result r = SnapshotRun.measure(dir, natsUrl, quick);
        double mb = r.bytes() / 1e6;
        line("");
        line("## 8. Snapshots");
        line("");
        line(String.format("One database of %,d rows (~100 B each, %.0f MB), published; every step once, in this order.",
                r.rows(), mb));
        line("");
        line("| step | seconds | rows/s | MB/s |");
        line("|---|---|---|---|");
        step("plain `VACUUM INTO` (reference)", r.vacuumInto(), r);
        step("plain file copy (reference)", r.fileCopy(), r);
        step("take a snapshot: copy, fold, checksum, upload to the Object Store", r.save(), r);
        step("download it from the Object Store alone (reference)", r.download(), r);
        step("new node: first `getConnection` (restore, checks, engine start) and a count", r.restore(), r);
        step("merge into a live database holding none of the rows", r.mergeNew(), r);
        step("merge again (every row already there: all older or equal)", r.mergeSame(), r);
        line("");
        line(String.format("A new node serves reads %.1f× the time of downloading the file alone (goal: ≤ 2×).",
                r.restore() / r.download()));
        line("");
    }

    private void step(String label, double seconds, SnapshotRun.Result r) {
        line(String.format("| %s | %.2f | %s | %.0f |", label, seconds, Stats.human(r.rows() / seconds),
                r.bytes() / 1e6 / seconds));
    }

    private void lagRow(String label, long[] micros) {
        line(String.format("| %s | %,d | %.2f ms | %.2f ms | %.2f ms |", label, micros.length,
                Stats.percentile(micros, 50) / 1000, Stats.percentile(micros, 99) / 1000,
                micros.length == 0 ? Double.NaN : micros[micros.length - 1] / 1000.0));
    }

    private void line(String s) {
        System.out.println(s);
        report.append(s).append('\n');
    }
}
