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
 * (prints {@code committed <id>} after each commit returns), {@code quit}.
 */
public final class NodeMain {
    public static void main(String[] args) throws Exception {
        String url = "jdbc:marmot:sqlite:" + args[0] + "?node-id=" + args[1] + "&nats-url=" + args[2]
                + (args.length > 3 ? "&" + args[3] : "");
        try (Connection c = DriverManager.getConnection(url)) {
            try (Statement s = c.createStatement()) {
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
