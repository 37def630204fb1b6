package io.marmot.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Section 1: rows/s through plain sqlite-jdbc, through copy-only triggers (the floor of capture by triggers) and
 * through the driver, capture only and with replication; VM steps per row; ten writers through a pool. Ends with
 * issue 25's goals judged on this run's medians.
 */
final class LocalWritesSection {
    private final Path dir;
    private final String natsUrl;
    /** nats-server's pid, to run it on the second core while the writers have the first ({@link CorePinning}) */
    private final long natsPid;
    private final boolean quick;
    private final Consumer<String> line;
    private final List<String> goals = new ArrayList<>();
    private final List<String> cpuRows = new ArrayList<>();

    LocalWritesSection(Path dir, String natsUrl, long natsPid, boolean quick, Consumer<String> line) {
        this.dir = dir;
        this.natsUrl = natsUrl;
        this.natsPid = natsPid;
        this.quick = quick;
        this.line = line;
    }

    void report() throws Exception {
        int runs = 5; // quick mode has fewer rows, not fewer runs: on a shared machine the median needs them
        int small = quick ? 3_000 : 20_000;
        int batch = quick ? 30_000 : 100_000;
        line.accept("## 1. Local write cost of capture");
        line.accept("");
        line.accept("Rows/s of one writer through plain `jdbc:sqlite:`, through plain `jdbc:sqlite:` with copy-only triggers");
        line.accept("(AFTER INSERT/UPDATE/DELETE copying NEW/OLD into a plain log table, nothing else: the **floor** of capture");
        line.accept("by triggers in the committing transaction) and through `jdbc:marmot:sqlite:`; same schema, WAL,");
        line.accept("`synchronous=NORMAL`, a fresh file per run, the three interleaved round-robin in every repetition.");
        line.accept("Overhead = plain ÷ variant in rows/s (1.00 = free); *vs floor* = floor ÷ marmot; each ratio is the median of the"
                + " rounds' ratios (the variants of a round ran one after the other).");
        line.accept("");
        line.accept("### Capture only (`publish=false&replicate=false`)");
        line.accept("");
        header();
        FloorWrites capture = new FloorWrites(dir, natsUrl, false, "");
        double[] c1 = row(capture, FloorWrites.Workload.AUTOCOMMIT_INSERT, small, 0, runs, "");
        double[] cb = row(capture, FloorWrites.Workload.BATCH_INSERT, batch, 0, runs, "");
        double[] cu = row(capture, FloorWrites.Workload.UPDATE, batch, 0, runs, "");
        double[] cd = row(capture, FloorWrites.Workload.DELETE, batch, 0, runs, "");
        FloorWrites readsRows = new FloorWrites(dir, natsUrl, false, "&shell-drop-column=true");
        row(readsRows, FloorWrites.Workload.UPDATE, batch, 0, runs, " (`shell-drop-column=true`)");
        cpuTable();
        line.accept("");
        line.accept("### With replication (publisher, nats-server and a peer applying every row, all in this JVM/machine)");
        line.accept("");
        line.accept("The writer's rate; the peer's catching up is awaited after the timed part, before the next variant runs.");
        line.accept("");
        header();
        FloorWrites repl = new FloorWrites(dir, natsUrl, true, "");
        double[] r1 = row(repl, FloorWrites.Workload.AUTOCOMMIT_INSERT, small, 0, runs, "");
        double[] rb = row(repl, FloorWrites.Workload.BATCH_INSERT, batch, 0, runs, "");
        row(repl, FloorWrites.Workload.UPDATE, batch, 0, runs, "");
        row(repl, FloorWrites.Workload.DELETE, batch, 0, runs, "");
        row(repl, FloorWrites.Workload.BATCH_INSERT, 3_000, 16 * 1024, runs, "");
        FloorWrites replNice = new FloorWrites(dir, natsUrl, true, "", Thread.MIN_PRIORITY);
        double[] n1 = row(replNice, FloorWrites.Workload.AUTOCOMMIT_INSERT, small, 0, runs, NICE);
        double[] nb = row(replNice, FloorWrites.Workload.BATCH_INSERT, batch, 0, runs, NICE);
        row(replNice, FloorWrites.Workload.UPDATE, batch, 0, runs, NICE);
        row(replNice, FloorWrites.Workload.DELETE, batch, 0, runs, NICE);
        double[][] own = new double[2][];
        if (CorePinning.available()) {
            FloorWrites pinned = repl.writersOnOwnCore(natsPid);
            own[0] = row(pinned, FloorWrites.Workload.AUTOCOMMIT_INSERT, small, 0, runs, OWN_CORE);
            own[1] = row(pinned, FloorWrites.Workload.BATCH_INSERT, batch, 0, runs, OWN_CORE);
            row(pinned, FloorWrites.Workload.UPDATE, batch, 0, runs, OWN_CORE);
            row(pinned, FloorWrites.Workload.DELETE, batch, 0, runs, OWN_CORE);
        }
        cpuTable();
        line.accept("");
        line.accept("*At nice 4*: Marmot's threads at Java priority 1, which a JVM run with `-XX:ThreadPriorityPolicy=1`"
                + " (as this one" + (priorityPolicy() ? "" : " was NOT: these rows are the same as the ones above")
                + ") gives nice 4 on Linux (docs/operations.md); the rows above have them beside the application's.");
        if (own[0] != null) {
            line.accept("");
            line.accept("*On a core of its own*: while each variant's writer runs, it alone on the first core and"
                    + " everything else on the second (`taskset`: this JVM's other threads, Marmot's, jnats', the"
                    + " garbage collector's and compilers', and nats-server), as where the replication pipeline does"
                    + " not share the writer's core.");
        }
        line.accept("");
        steps(capture, readsRows);
        pool(capture, repl, replNice, runs);
        otherWriter();
        goal("capture only, inserts (autocommit / batches) ≤ 1.15× the floor", c1, cb, 1.15);
        goal("capture only, updates ≤ 1.3× the floor", cu, cu, 1.3);
        goal("capture only, deletes ≤ 1.15× the floor", cd, cd, 1.15);
        goal("with replication, autocommit and 1000-row batches ≤ 1.25× the floor", r1, rb, 1.25);
        goal("the same, Marmot's threads at nice 4", n1, nb, 1.25);
        if (own[0] != null) {
            goal("the same, the writer on a core of its own", own[0], own[1], 1.25);
        }
        line.accept("Issue 25's goals for this section, judged on the rates' ratios above (the pool's are in its table):");
        line.accept("");
        line.accept("| goal | measured | |");
        line.accept("|---|---|---|");
        goals.forEach(line);
        line.accept("");
    }

    /**
     * Only the concurrent writers of this section ({@code --only pool}, best with {@code --out} a scratch file): the
     * pool rows, to compare two builds of the driver run after run.
     */
    void writersOnly() throws Exception {
        // -Dmarmot.bench.params=&statement-cache-size=0: the same build with a setting changed, for an A/B run
        String params = System.getProperty("marmot.bench.params", "");
        pool(new FloorWrites(dir, natsUrl, false, params), new FloorWrites(dir, natsUrl, true, params),
                new FloorWrites(dir, natsUrl, true, params, Thread.MIN_PRIORITY), 5);
        otherWriter();
    }

    private void otherWriter() throws Exception {
        int rows = quick ? 60_000 : 300_000;
        OtherWriterWaits.Result r = OtherWriterWaits.measure(dir, natsUrl, rows);
        line.accept(String.format("### Another process's writer while the engine works off a %,d-row transaction", rows));
        line.accept("");
        line.accept(String.format("One transaction of %,d rows (~100 B) committed on a node that publishes (%.1f s), applied by a"
                + " peer in this JVM; on each file a second JVM writes one row every 2 ms with plain sqlite-jdbc"
                + " (`BEGIN IMMEDIATE`, SQLite's own busy timeout), timing each `BEGIN IMMEDIATE`. Its waits from the"
                + " commit until the writer's log was folded, published and pruned (%.1f s later) and the peer held"
                + " every row (%.1f s later), plus a second; beside them the longest wait in the 3 s before the"
                + " commit, the engine idle, and of the waits over 50 ms those that were so only by the garbage"
                + " collections of this JVM that fell into them (the longest meanwhile: %.1f ms). Goal: never more than"
                + " 50 ms because of the engine.", rows, r.commitSeconds(), r.prunedSeconds(), r.appliedSeconds(), r.gcLongestMicros() / 1e3));
        line.accept("");
        line.accept("| file | the engine's work | other writer's transactions | longest wait | p99 wait | waits > 50 ms"
                + " | of them only by GC pauses | longest wait, engine idle |");
        line.accept("|---|---|---|---|---|---|---|---|");
        waitsRow("the writer's", "fold, publish, prune", r.writer());
        waitsRow("the peer's", "apply (and fold)", r.peer());
        line.accept("");
    }

    private void waitsRow(String file, String work, OtherWriterWaits.Waits w) {
        line.accept(String.format("| %s | %s | %,d | **%.1f ms** | %.1f ms | %d | %d | %.1f ms |", file, work,
                w.transactions(), w.maxMicros() / 1e3, w.p99Micros() / 1e3, w.over50ms(), w.over50msInGc(),
                w.idleMaxMicros() / 1e3));
    }

    private static final String NICE = ", Marmot's threads at nice 4";
    private static final String OWN_CORE = ", the writer on a core of its own";
    private static final String POOL_OWN_CORE = "with replication, the writers on a core of their own";

    /** Whether this JVM honours Java's thread priorities on Linux (bench/run.sh's flag). */
    private static boolean priorityPolicy() {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
                .contains("-XX:ThreadPriorityPolicy=1");
    }

    private void header() {
        line.accept("| workload | row size | plain rows/s | floor rows/s | marmot rows/s | floor vs plain | marmot vs plain | marmot vs floor |");
        line.accept("|---|---|---|---|---|---|---|---|");
    }

    /** @return medians of the rounds' ratios: floor vs plain, marmot vs plain, marmot vs floor (rate; writer's CPU) */
    private double[] row(FloorWrites fw, FloorWrites.Workload w, int rows, int blob, int runs, String note) throws Exception {
        double[][] r = fw.measure(w, rows, blob, runs);
        double[] ratios = {pairRatio(r[0], r[1]), pairRatio(r[0], r[2]), pairRatio(r[1], r[2]), pairRatio(r[5], r[4])};
        String name = w.label + note + " | " + (blob > 0 ? "~16 KiB" : "~100 B");
        line.accept(String.format("| %s | %s | %s | %s | %.2f× | %.2f× | **%.2f×** |", name, Stats.of(box(r[0])).format(""),
                Stats.of(box(r[1])).format(""), Stats.of(box(r[2])).format(""), ratios[0], ratios[1], ratios[2]));
        cpuRows.add(String.format("| %s | %.2f | %.2f | %.2f | %.2f× | %.2f× |", name, Stats.of(box(r[3])).median(),
                Stats.of(box(r[4])).median(), Stats.of(box(r[5])).median(), pairRatio(r[5], r[3]), pairRatio(r[5], r[4])));
        return ratios;
    }

    /** The median over rounds of a[i] ÷ b[i]: the variants of a round ran next to each other, so drift cancels. */
    private static double pairRatio(double[] a, double[] b) {
        List<Double> q = new ArrayList<>();
        for (int i = 0; i < a.length; i++) {
            q.add(a[i] / b[i]);
        }
        return Stats.of(q).median();
    }

    private void cpuTable() {
        line.accept("");
        line.accept("The writing thread's CPU per row (µs; SQLite and the triggers run on it, so other processes' load");
        line.accept("moves this less than the rates), medians; ratios are medians of the rounds' ratios.");
        line.accept("");
        line.accept("| workload | row size | plain | floor | marmot | marmot vs plain | marmot vs floor |");
        line.accept("|---|---|---|---|---|---|---|");
        cpuRows.forEach(line);
        cpuRows.clear();
    }

    private void steps(FloorWrites capture, FloorWrites readsRows) throws Exception {
        line.accept("### SQLite VM steps per row");
        line.accept("");
        line.accept("Opcodes executed per written row, the triggers' programs included (the `sqlite3` shell's `.stats vmstep`,");
        line.accept("i.e. `sqlite3_stmt_status(…VM_STEP)`; SQLite " + VmSteps.shellVersion() + ", whose programs may differ"
                + " slightly from sqlite-jdbc's): 1000 one-row statements in one transaction on a file whose schema and"
                + " triggers each variant made. A count, so the machine's load does not move it.");
        line.accept("");
        line.accept("| statement | plain | floor | marmot | marmot (`shell-drop-column=true`) | marmot vs floor |");
        line.accept("|---|---|---|---|---|---|");
        double[] p = VmSteps.perRow(dir, capture, FloorWrites.Variant.PLAIN, "plain");
        double[] f = VmSteps.perRow(dir, capture, FloorWrites.Variant.FLOOR, "floor");
        double[] m = VmSteps.perRow(dir, capture, FloorWrites.Variant.MARMOT, "marmot");
        double[] d = VmSteps.perRow(dir, readsRows, FloorWrites.Variant.MARMOT, "marmot-drop");
        String[] names = {"`INSERT` one row", "`UPDATE` one row by key (2 columns)", "`DELETE` one row by key"};
        for (int i = 0; i < 3; i++) {
            line.accept(String.format("| %s | %.0f | %.0f | %.0f | %.0f | %.2f× |", names[i], p[i], f[i], m[i], d[i],
                    m[i] / f[i]));
        }
        line.accept("");
    }

    private void pool(FloorWrites capture, FloorWrites repl, FloorWrites replNice, int runs) throws Exception {
        int perThread = quick ? 500 : 2_000;
        int warmUps = quick ? 1 : 3;
        line.accept("### Ten writers through a HikariCP pool of ten");
        line.accept("");
        line.accept(String.format("Ten threads, each %,d transactions of one autocommit insert on a connection borrowed"
                + " from a HikariCP pool of ten (`PRAGMA busy_timeout = 10000`), its ten connections open before the"
                + " clock starts; p99 and p99.9 of a transaction, borrow to return; medians of %d runs after %d of warm-up.",
                perThread, runs, warmUps));
        line.accept("");
        line.accept("| mode | plain tx/s | floor tx/s | marmot tx/s | marmot vs plain (goal ≥ 0.8) | p99 plain / floor / marmot | marmot p99 ÷ plain's (goal ≤ 2) | p99.9 plain / floor / marmot |");
        line.accept("|---|---|---|---|---|---|---|---|");
        double[][][] captureOnly = PoolWriters.measure(dir, capture, perThread, runs, warmUps);
        poolRow("capture only", captureOnly);
        double[][][] replicating = PoolWriters.measure(dir, repl, perThread, runs, warmUps);
        poolRow("with replication (and a peer)", replicating);
        double[][][] replicatingNice = PoolWriters.measure(dir, replNice, perThread, runs, warmUps);
        poolRow("with replication, Marmot's threads at nice 4", replicatingNice);
        double[][][] replicatingOwnCore = CorePinning.available()
                ? PoolWriters.measure(dir, repl.writersOnOwnCore(natsPid), perThread, runs, warmUps) : null;
        if (replicatingOwnCore != null) {
            poolRow(POOL_OWN_CORE, replicatingOwnCore);
        }
        line.accept("");
        line.accept(String.format("CPU per transaction (medians; this JVM's / the whole machine's, nats-server and other"
                + " load included, from the first write until the peer held the last) and how busy the machine's %d cores"
                + " were while the writers wrote:", Runtime.getRuntime().availableProcessors()));
        line.accept("");
        line.accept("| mode | plain | floor | marmot | cores busy, plain / floor / marmot |");
        line.accept("|---|---|---|---|---|");
        poolCpuRow("capture only", captureOnly);
        poolCpuRow("with replication (and a peer)", replicating);
        poolCpuRow("with replication, Marmot's threads at nice 4", replicatingNice);
        if (replicatingOwnCore != null) {
            poolCpuRow(POOL_OWN_CORE, replicatingOwnCore);
        }
        line.accept("");
        if (replicatingOwnCore != null) {
            line.accept("*On a core of their own*: the ten writers on the first core and everything else on the"
                    + " second, for plain and floor as for the driver (so plain's writers too have one core).");
            line.accept("");
        }
    }

    private void poolCpuRow(String mode, double[][][] r) {
        String[] cells = new String[4];
        for (int v = 0; v < 3; v++) {
            cells[v] = String.format("%.0f / %.0f µs", median(r[v][PoolWriters.JVM_CPU]), median(r[v][PoolWriters.MACHINE_CPU]));
        }
        cells[3] = String.format("%.0f / %.0f / %.0f %%", 100 * median(r[0][PoolWriters.MACHINE_BUSY]),
                100 * median(r[1][PoolWriters.MACHINE_BUSY]), 100 * median(r[2][PoolWriters.MACHINE_BUSY]));
        line.accept(String.format("| %s | %s | %s | %s | %s |", mode, cells[0], cells[1], cells[2], cells[3]));
    }

    private static double median(double[] a) {
        return Stats.of(box(a)).median();
    }

    private void poolRow(String mode, double[][][] r) {
        Stats.Summary[] tx = new Stats.Summary[3];
        Stats.Summary[] p99 = new Stats.Summary[3];
        double[] p999 = new double[3];
        for (int v = 0; v < 3; v++) {
            tx[v] = Stats.of(box(r[v][PoolWriters.TX]));
            p99[v] = Stats.of(box(r[v][PoolWriters.P99]));
            p999[v] = median(r[v][PoolWriters.P999]);
        }
        double speed = pairRatio(r[2][0], r[0][0]);
        double tail = pairRatio(r[2][1], r[0][1]);
        line.accept(String.format("| %s | %s | %s | %s | **%.2f×** | %s / %s / %s ms | **%.2f×** | %s / %s / %s ms |", mode,
                tx[0].format(""), tx[1].format(""), tx[2].format(""), speed, Stats.human(p99[0].median()),
                Stats.human(p99[1].median()), Stats.human(p99[2].median()), tail, Stats.human(p999[0]),
                Stats.human(p999[1]), Stats.human(p999[2])));
    }

    /** A goal on the rate ratio (marmot vs floor) of one or two rows, the writer's CPU ratio shown beside it. */
    private void goal(String name, double[] a, double[] b, double limit) {
        String measured = a == b ? String.format("%.2f× (writer's CPU %.2f×)", a[2], a[3])
                : String.format("%.2f× / %.2f× (writer's CPU %.2f× / %.2f×)", a[2], b[2], a[3], b[3]);
        goals.add(String.format("| %s | %s | %s |", name, measured, Math.max(a[2], b[2]) <= limit ? "met" : "missed"));
    }

    private static List<Double> box(double[] a) {
        List<Double> l = new ArrayList<>();
        for (double d : a) {
            l.add(d);
        }
        return l;
    }
}
