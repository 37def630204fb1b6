package io.marmot.bench;

import io.marmot.clock.Hlc;
import io.marmot.clock.VersionWriters;
import io.marmot.config.MarmotConfig;
import io.marmot.merge.VersionCheckedWriter;
import io.marmot.replication.ReplicationCounters;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import io.marmot.wire.Transaction;
import io.marmot.wire.WireFormat;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sqlite.SQLiteConnection;

/**
 * The CPU a peer spends applying received rows, measured without NATS and without the machine's noise in the
 * figure: pre-encoded messages of 100-row transactions (inserts of new rows, then updates of two columns of each,
 * then deletes) go through what the applier runs for them: {@link WireFormat#decode}, {@link ChangeBatch#transactions}
 * and {@link VersionCheckedWriter#apply} in slices of 2000 changes (the applier's slice), into a database whose
 * capture triggers the driver installed. Reported per row: the applying thread's CPU (SQLite's work included: it runs
 * on the calling thread), the bytes it allocated, and SQLite VM steps (a progress handler called every step, in a
 * run of its own since the calls cost time). What it leaves out: NATS delivery, the stream positions' write (one row
 * per slice) and listeners.
 * {@code bash bench/run.sh --apply-cost [messages, default 200] [rounds, default 5]}
 */
public final class ApplyCost {
    static final int ROWS_PER_TX = 100;
    private static final int SLICE = 2000;
    private static final long ORIGIN = 1;
    private static final long PEER = 2;
    private static final TableShape BENCH = new TableShape("bench", List.of("id", "node", "payload", "data"), new int[] {0});

    /** Per-row figures of one phase: CPU ns, allocated bytes, VM steps (-1: not counted). */
    record Cost(double cpuNanos, double bytes, double steps) {
    }

    private final Path dir;
    private final MarmotConfig config = MarmotConfig.defaults();
    private int files;

    ApplyCost(Path dir) {
        this.dir = dir;
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        ApplyCost bench = new ApplyCost(Files.createTempDirectory("marmot-apply-cost"));
        for (String line : bench.report(messages, rounds)) {
            System.out.println(line);
        }
    }

    /** The table's lines: per phase, the median of {@code rounds} rounds after one warm-up round. */
    List<String> report(int messages, int rounds) throws Exception {
        List<byte[]>[] phases = messages(messages);
        String[] names = {"insert", "update", "delete"};
        List<Cost[]> runs = new ArrayList<>();
        List<Cost[]> floors = new ArrayList<>();
        run(phases, false); // warm-up: the JIT compiles what the timed rounds run
        ApplyFloor.run(dir.resolve("floor-warm.db"), phases, false);
        for (int r = 0; r < rounds; r++) {
            runs.add(run(phases, false));
            floors.add(ApplyFloor.run(dir.resolve("floor-" + r + ".db"), phases, false));
        }
        Cost[] steps = run(phases, true);
        Cost[] floorSteps = ApplyFloor.run(dir.resolve("floor-steps.db"), phases, true);
        List<String> out = new ArrayList<>();
        out.add(String.format("%d messages of %d rows per phase, median of %d rounds", messages, ROWS_PER_TX, rounds));
        out.add("| phase | CPU µs per row | bytes allocated per row | VM steps per row |");
        out.add("|---|---|---|---|");
        for (int p = 0; p < names.length; p++) {
            out.add(line(names[p], runs, steps, p));
        }
        for (int p = 0; p < names.length; p++) {
            out.add(line(names[p] + ", floor (plain sqlite-jdbc, 100 rows a statement)", floors, floorSteps, p));
        }
        out.add(String.format("| decode only (insert) | %.2f | %.0f | |", decodeOnly(phases[0]).cpuNanos() / 1e3,
                decodeOnly(phases[0]).bytes()));
        return out;
    }

    private static String line(String name, List<Cost[]> runs, Cost[] steps, int phase) {
        return String.format("| %s | %.2f | %.0f | %.1f |", name,
                median(runs.stream().mapToDouble(c -> c[phase].cpuNanos()).toArray()) / 1e3,
                median(runs.stream().mapToDouble(c -> c[phase].bytes()).toArray()), steps[phase].steps());
    }

    /** One round on a fresh database: each phase's cost per row. */
    private Cost[] run(List<byte[]>[] phases, boolean countSteps) throws Exception {
        Path db = fresh();
        try (SQLiteConnection c = Sqlite.open(db);
                VersionCheckedWriter writer = new VersionCheckedWriter(c, PEER, config, new ReplicationCounters(),
                        null, VersionWriters.alone())) {
            long[] steps = countSteps ? StepCounter.on(c) : new long[1];
            Cost[] out = new Cost[phases.length];
            long rows = 0;
            for (int p = 0; p < phases.length; p++) {
                System.gc(); // the previous phase's garbage is not collected on this one's time
                long steps0 = steps[0];
                long cpu0 = cpu();
                long bytes0 = allocated();
                rows = apply(writer, phases[p]);
                out[p] = new Cost(cpu() - cpu0, allocated() - bytes0, countSteps ? steps[0] - steps0 : -1);
                out[p] = new Cost(out[p].cpuNanos() / rows, out[p].bytes() / rows, out[p].steps() / rows);
                check(c, p, rows);
            }
            StepCounter.off(c);
            return out;
        }
    }

    /** What the applier does for a drained batch: decode each message, apply 2000-change slices in one transaction. */
    private static long apply(VersionCheckedWriter writer, List<byte[]> messages) throws Exception {
        List<Transaction> slice = new ArrayList<>();
        int changes = 0;
        long rows = 0;
        for (byte[] m : messages) {
            ChangeBatch batch = WireFormat.decode(m);
            for (Transaction tx : ChangeBatch.transactions(List.of(batch))) {
                slice.add(tx);
                changes += tx.changes().size();
            }
            if (changes >= SLICE) {
                rows += applied(writer.apply(slice, (db, outcomes) -> { }));
                slice.clear();
                changes = 0;
            }
        }
        if (!slice.isEmpty()) {
            rows += applied(writer.apply(slice, (db, outcomes) -> { }));
        }
        return rows;
    }

    private static long applied(List<VersionCheckedWriter.Outcome> outcomes) {
        long n = 0;
        for (VersionCheckedWriter.Outcome o : outcomes) {
            if (o.rejected()) {
                throw new IllegalStateException("a transaction was rejected: " + o.rejection());
            }
            n += o.applied();
        }
        return n;
    }

    private static Cost decodeOnly(List<byte[]> messages) throws Exception {
        for (int warm = 0; warm < 3; warm++) {
            for (byte[] m : messages) {
                ChangeBatch.transactions(List.of(WireFormat.decode(m)));
            }
        }
        long cpu0 = cpu();
        long bytes0 = allocated();
        long rows = 0;
        for (byte[] m : messages) {
            rows += ChangeBatch.transactions(List.of(WireFormat.decode(m))).get(0).changes().size();
        }
        return new Cost((double) (cpu() - cpu0) / rows, (double) (allocated() - bytes0) / rows, -1);
    }

    /** The rows are there after inserts and updates (with the update's values), gone after deletes. */
    private static void check(Connection c, int phase, long applied) throws SQLException {
        String sql = switch (phase) {
            case 0 -> "SELECT count(*) FROM bench";
            case 1 -> "SELECT count(*) FROM bench WHERE node = 3 AND payload = 'updated'";
            default -> "SELECT count(*) FROM bench";
        };
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            long expected = phase == 2 ? 0 : applied;
            if (rs.getLong(1) != expected) {
                throw new IllegalStateException("phase " + phase + ": " + rs.getLong(1) + " rows, expected " + expected);
            }
        }
    }

    /** A database with the bench table and the driver's capture triggers and tables, engine closed. */
    private Path fresh() throws Exception {
        Path db = dir.resolve("apply-" + (++files) + ".db");
        String url = "jdbc:marmot:sqlite:" + db + "?node-id=" + PEER + "&publish=false&replicate=false";
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute(BenchNode.SCHEMA);
            FloorWrites.awaitQuery(c, "SELECT count(*) >= 3 FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'bench'", 1);
        } finally {
            io.marmot.Marmot.close(db);
        }
        return db;
    }

    /** The three phases' messages: inserts, updates of two columns, deletes, each 100 rows a message. */
    @SuppressWarnings("unchecked")
    static List<byte[]>[] messages(int messages) {
        List<byte[]>[] out = new List[] {new ArrayList<>(), new ArrayList<>(), new ArrayList<>()};
        long version = Hlc.ofMillis(System.currentTimeMillis() - 60_000);
        for (int phase = 0; phase < 3; phase++) {
            long id = 1;
            for (int m = 0; m < messages; m++) {
                List<RowChange> changes = new ArrayList<>(ROWS_PER_TX);
                long group = version + 1;
                for (int r = 0; r < ROWS_PER_TX; r++, id++) {
                    version++;
                    changes.add(switch (phase) {
                        case 0 -> new RowChange(version, BENCH, RowChange.INSERT, null,
                                new Object[] {id, 1L, BenchNode.PAYLOAD, null});
                        case 1 -> new RowChange(version, BENCH, RowChange.UPDATE, null,
                                new Object[] {id, 3L, "updated", null}, new int[] {1, 2});
                        default -> new RowChange(version, BENCH, RowChange.DELETE, null, new Object[] {id});
                    });
                }
                out[phase].add(WireFormat.encode(new ChangeBatch(ORIGIN, group, 0, true, changes), false));
            }
        }
        return out;
    }

    static long cpu() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
