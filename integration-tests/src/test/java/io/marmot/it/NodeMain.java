package io.marmot.it;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Random;

/**
 * A node in its own JVM, driven by lines on stdin, so tests can run three JVMs and kill one with SIGKILL.
 * Commands: {@code sql <statement>}, {@code chaos <seed> <transactions>}, {@code write <from> <to>}
 * (prints {@code committed <id>} after each commit returns), {@code stream <from>} (inserts events from that id on,
 * one per transaction, on its own connection, until {@code stop}, which prints {@code stopped <last id>}),
 * {@code published} (waits until JetStream holds what this node wrote), {@code stats} (prints {@code stats outOfSync=<b> missed=<n>}), {@code quit}.
 */
public final class NodeMain {
    private static Streamer streamer;

    /** Inserts consecutive events, one per transaction, as fast as commits return. */
    private static final class Streamer extends Thread {
        private final String url;
        volatile boolean running = true;
        volatile long last;

        Streamer(String url, long from) {
            super("streamer");
            this.url = url;
            this.last = from - 1;
        }

        @Override
        public void run() {
            try (Connection c = DriverManager.getConnection(url);
                    PreparedStatement ps = c.prepareStatement("INSERT INTO events (id, payload) VALUES (?, ?)")) {
                while (running) {
                    ps.setLong(1, last + 1);
                    ps.setString(2, "event " + (last + 1));
                    ps.executeUpdate();
                    last++;
                }
            } catch (Exception e) {
                e.printStackTrace();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:marmot:sqlite:" + args[0] + "?node-id=" + args[1] + "&nats-url=" + args[2]
                + (args.length > 3 ? "&" + args[3] : "");
        try (Connection c = DriverManager.getConnection(url)) {
            try (Statement s = c.createStatement()) {
                // An application's start-up statements (Spring's data.sql, a CommandLineRunner), run on the first
                // connection: MARMOT_IT_SEED holds them, separated by ';'.
                String seed = System.getenv("MARMOT_IT_SEED");
                for (String statement : seed == null ? new String[0] : seed.split(";")) {
                    s.execute(statement);
                }
                for (String ddl : Workload.SCHEMA) {
                    s.execute(ddl);
                }
            }
            System.out.println("ready");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] w = line.split(" ", 2);
                switch (w[0]) {
                    case "sql" -> {
                        try (Statement s = c.createStatement()) {
                            s.execute(w[1]);
                        }
                        System.out.println("ok");
                    }
                    case "chaos" -> {
                        String[] a = w[1].split(" ");
                        Workload.chaos(c, new Random(Long.parseLong(a[0])), Integer.parseInt(a[1]));
                        System.out.println("done");
                    }
                    case "write" -> {
                        String[] a = w[1].split(" ");
                        try (PreparedStatement ps = c.prepareStatement("INSERT INTO events (id, payload) VALUES (?, ?)")) {
                            for (long id = Long.parseLong(a[0]); id <= Long.parseLong(a[1]); id++) {
                                ps.setLong(1, id);
                                ps.setString(2, "event " + id);
                                ps.executeUpdate();
                                System.out.println("committed " + id);
                            }
                        }
                        System.out.println("done");
                    }
                    case "stream" -> {
                        streamer = new Streamer(url, Long.parseLong(w[1]));
                        streamer.start();
                        System.out.println("streaming");
                    }
                    case "stop" -> {
                        streamer.running = false;
                        streamer.join(30_000);
                        System.out.println("stopped " + streamer.last);
                    }
                    case "stats" -> {
                        var engine = io.marmot.Marmot.engine(java.nio.file.Path.of(args[0])).orElseThrow();
                        var st = engine.stats();
                        System.out.println("stats outOfSync=" + st.outOfSync() + " missed=" + st.missedMessages()
                                + " applied=" + st.appliedMessages() + " clockOffset=" + st.clockOffsetMillis()
                                + " clockKnown=" + st.clockKnown() + " schemaAgrees=" + st.schemaAgrees()
                                + " ready=" + engine.health().ready()
                                + " problems=" + engine.health().problems());
                    }
                    case "feed" -> {
                        var feed = io.marmot.Marmot.engine(java.nio.file.Path.of(args[0])).orElseThrow().changeFeedStats();
                        System.out.println(feed == null ? "feed off" : "feed emitting=" + feed.emitting() + " rows=" + feed.emittedRows()
                                + " missing=" + feed.missingMessages() + " problem=" + feed.problem());
                    }
                    case "published" -> {
                        io.marmot.Marmot.engine(java.nio.file.Path.of(args[0])).orElseThrow()
                                .awaitPublished(java.time.Duration.ofSeconds(30));
                        System.out.println("published");
                    }
                    case "quit" -> {
                        io.marmot.Marmot.closeAll();
                        System.out.println("bye");
                        return;
                    }
                    default -> System.out.println("unknown command " + w[0]);
                }
                System.out.flush();
            }
        }
    }
}
