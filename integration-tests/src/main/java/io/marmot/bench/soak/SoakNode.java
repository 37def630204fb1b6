package io.marmot.bench.soak;

import io.marmot.Marmot;
import io.marmot.engine.MarmotEngine;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;

/**
 * One soak node in its own JVM: {@code SoakNode <db> <node> <nats-urls> <dir> <incarnation> <skew-millis>
 * <pause-millis> <params>}. Creates the soak tables, starts a {@link SoakWriter} and a {@link SoakSampler}, prints
 * {@code ready}; on stdin {@code stop} (stop writing, prints {@code stopped <committed>}) and {@code quit}.
 * {@code skew-millis} is how far the clock it runs under (faketime) is off, to log true times.
 */
public final class SoakNode {
    static final List<String> SCHEMA = List.of(
            "CREATE TABLE IF NOT EXISTS soak_rows (id INTEGER PRIMARY KEY, node INTEGER NOT NULL,"
                    + " incarnation INTEGER NOT NULL, payload TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS soak_shared (k INTEGER PRIMARY KEY, v TEXT NOT NULL, node INTEGER NOT NULL,"
                    + " n INTEGER NOT NULL)");

    private SoakNode() {
    }

    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        int node = Integer.parseInt(args[1]);
        Path dir = Path.of(args[3]);
        int incarnation = Integer.parseInt(args[4]);
        long skew = Long.parseLong(args[5]);
        String url = "jdbc:marmot:sqlite:" + db + "?node-id=" + node + "&nats-url=" + args[2]
                + (args.length > 7 && !args[7].isEmpty() ? "&" + args[7] : "");
        try (Connection c = DriverManager.getConnection(url)) {
            try (Statement s = c.createStatement()) {
                for (String ddl : SCHEMA) {
                    s.execute(ddl);
                }
            }
            MarmotEngine engine = Marmot.engine(db).orElseThrow();
            SoakWriter writer = new SoakWriter(url, dir, node, incarnation, skew, Long.parseLong(args[6]));
            SoakSampler sampler = new SoakSampler(db, engine, dir, node, Soak.NODES, writer::trueNow);
            writer.start();
            sampler.start();
            System.out.println("ready");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.equals("stop")) {
                    writer.running = false;
                    writer.join(30_000);
                    System.out.println("stopped " + writer.committed + " " + writer.failed);
                } else if (line.equals("quit")) {
                    break;
                }
            }
            writer.running = false;
            sampler.running = false;
            writer.join(30_000);
        } finally {
            Marmot.closeAll();
        }
        System.out.println("bye");
    }
}
