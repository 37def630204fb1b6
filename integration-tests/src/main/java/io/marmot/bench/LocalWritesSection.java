package io.marmot.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Section 1: rows/s through plain sqlite-jdbc and through the driver, with and without replication. */
final class LocalWritesSection {
    private final Path dir;
    private final String natsUrl;
    private final boolean quick;
    private final Consumer<String> line;

    LocalWritesSection(Path dir, String natsUrl, boolean quick, Consumer<String> line) {
        this.dir = dir;
        this.natsUrl = natsUrl;
        this.quick = quick;
        this.line = line;
    }

    void report() throws Exception {
        int runs = quick ? 3 : 5;
        line.accept("## 1. Local write cost of capture");
        line.accept("");
        line.accept("Rows/s through plain `jdbc:sqlite:` and through `jdbc:marmot:sqlite:` (capture on, connected to NATS,");
        line.accept("publishing), same schema, WAL, `synchronous=NORMAL`. Overhead = plain ÷ marmot (1.00 = free).");
        line.accept("");
        line.accept("| workload | row size | plain sqlite-jdbc rows/s | marmot rows/s | overhead |");
        line.accept("|---|---|---|---|---|");
        LocalWrites lw = new LocalWrites(dir, natsUrl, true);
        int small = quick ? 5_000 : 20_000;
        int batch = quick ? 50_000 : 200_000;
        row(lw, LocalWrites.Workload.AUTOCOMMIT_INSERT, small, 0, runs);
        row(lw, LocalWrites.Workload.BATCH_INSERT, batch, 0, runs);
        row(lw, LocalWrites.Workload.UPDATE, batch, 0, runs);
        row(lw, LocalWrites.Workload.DELETE, batch, 0, runs);
        row(lw, LocalWrites.Workload.AUTOCOMMIT_INSERT, small / 4, 16 * 1024, runs);
        row(lw, LocalWrites.Workload.BATCH_INSERT, quick ? 5_000 : 20_000, 16 * 1024, runs);
        line.accept("");
        line.accept("The triggers alone, without replication (`publish=false&replicate=false`): what capture costs before");
        line.accept("the publisher, the applier and nats-server compete for the same two cores.");
        line.accept("");
        line.accept("| workload | row size | plain sqlite-jdbc rows/s | capture-only rows/s | overhead |");
        line.accept("|---|---|---|---|---|");
        LocalWrites captureOnly = new LocalWrites(dir, natsUrl, false);
        row(captureOnly, LocalWrites.Workload.AUTOCOMMIT_INSERT, small, 0, runs);
        row(captureOnly, LocalWrites.Workload.BATCH_INSERT, batch, 0, runs);
        row(captureOnly, LocalWrites.Workload.UPDATE, batch, 0, runs);
        row(captureOnly, LocalWrites.Workload.DELETE, batch, 0, runs);
        // capture that names no droppable column: what DROP COLUMN from the sqlite3 shell costs every write
        LocalWrites readsRows = new LocalWrites(dir, natsUrl, false, "&shell-drop-column=true");
        String readBack = " (`shell-drop-column=true`)";
        row(readsRows, LocalWrites.Workload.BATCH_INSERT, batch, 0, runs, readBack);
        row(readsRows, LocalWrites.Workload.UPDATE, batch, 0, runs, readBack);
        line.accept("");
    }

    private void row(LocalWrites lw, LocalWrites.Workload w, int rows, int blob, int runs) throws Exception {
        row(lw, w, rows, blob, runs, "");
    }

    private void row(LocalWrites lw, LocalWrites.Workload w, int rows, int blob, int runs, String note) throws Exception {
        double[][] r = lw.measure(w, rows, blob, runs);
        Stats.Summary plain = Stats.of(box(r[0]));
        Stats.Summary marmot = Stats.of(box(r[1]));
        line.accept(String.format("| %s | %s | %s | %s | **%.2f×** |", w.label + note, blob > 0 ? "~16 KiB" : "~100 B",
                plain.format(""), marmot.format(""), plain.median() / marmot.median()));
    }

    private static List<Double> box(double[] a) {
        List<Double> l = new ArrayList<>();
        for (double d : a) {
            l.add(d);
        }
        return l;
    }
}
