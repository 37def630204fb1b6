package io.marmot.it;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Random;

/** The shared schema and a random workload of conflicting writes over every storage class and key shape. */
final class Workload {
    static final List<String> SCHEMA = List.of(
            "CREATE TABLE IF NOT EXISTS kv (k INTEGER PRIMARY KEY, v ANY, n INTEGER)",
            "CREATE TABLE IF NOT EXISTS pairs (a TEXT, b INTEGER, payload BLOB, r REAL, PRIMARY KEY (a, b)) WITHOUT ROWID",
            "CREATE TABLE IF NOT EXISTS loose (x TEXT, y)",
            "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, payload TEXT)");

    private Workload() {
    }

    static void chaos(Connection c, Random rnd, int transactions) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement upsert = c.prepareStatement(
                        "INSERT INTO kv (k, v, n) VALUES (?, ?, 0) ON CONFLICT (k) DO UPDATE SET v = excluded.v, n = n + 1");
                PreparedStatement delKv = c.prepareStatement("DELETE FROM kv WHERE k = ?");
                PreparedStatement pair = c.prepareStatement(
                        "INSERT INTO pairs VALUES (?, ?, ?, ?) ON CONFLICT (a, b) DO UPDATE SET payload = excluded.payload, r = excluded.r");
                PreparedStatement delPair = c.prepareStatement("DELETE FROM pairs WHERE a = ? AND b = ?");
                PreparedStatement loose = c.prepareStatement("INSERT INTO loose (rowid, x, y) VALUES (?, ?, ?)"
                        + " ON CONFLICT DO NOTHING");
                PreparedStatement updLoose = c.prepareStatement("UPDATE loose SET y = ? WHERE rowid = ?")) {
            for (int t = 0; t < transactions; t++) {
                int statements = 1 + rnd.nextInt(5);
                for (int i = 0; i < statements; i++) {
                    switch (rnd.nextInt(7)) {
                        case 0, 1 -> {
                            upsert.setLong(1, rnd.nextInt(40));
                            upsert.setObject(2, value(rnd));
                            upsert.executeUpdate();
                        }
                        case 2 -> {
                            delKv.setLong(1, rnd.nextInt(40));
                            delKv.executeUpdate();
                        }
                        case 3 -> {
                            pair.setString(1, "key-" + rnd.nextInt(6) + "-\u00e9\u4e2d");
                            pair.setLong(2, rnd.nextInt(5) - 2);
                            byte[] blob = new byte[rnd.nextInt(64)];
                            rnd.nextBytes(blob);
                            pair.setBytes(3, blob);
                            pair.setDouble(4, rnd.nextBoolean() ? -0.0 : rnd.nextGaussian() * 1e300);
                            pair.executeUpdate();
                        }
                        case 4 -> {
                            delPair.setString(1, "key-" + rnd.nextInt(6) + "-\u00e9\u4e2d");
                            delPair.setLong(2, rnd.nextInt(5) - 2);
                            delPair.executeUpdate();
                        }
                        case 5 -> {
                            loose.setLong(1, 1 + rnd.nextInt(20));
                            loose.setString(2, "x" + rnd.nextInt(100));
                            loose.setObject(3, value(rnd));
                            loose.executeUpdate();
                        }
                        default -> {
                            updLoose.setObject(1, value(rnd));
                            updLoose.setLong(2, 1 + rnd.nextInt(20));
                            updLoose.executeUpdate();
                        }
                    }
                }
                c.commit();
            }
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static Object value(Random rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> null;
            case 1 -> rnd.nextLong();
            case 2 -> rnd.nextDouble() * 1000;
            case 3 -> "t\u0000ext " + rnd.nextInt(1000) + " \uD83D\uDE00";
            default -> new byte[] {1, 0, (byte) rnd.nextInt(256)};
        };
    }
}
