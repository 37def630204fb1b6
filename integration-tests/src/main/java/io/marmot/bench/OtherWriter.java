package io.marmot.bench;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.concurrent.locks.LockSupport;

/**
 * Another process writing the database as any program would (plain sqlite-jdbc, SQLite's own busy timeout): a
 * one-row transaction every 2 ms, each {@code BEGIN IMMEDIATE} timed. Prints "start wait" per transaction (wall-clock
 * microseconds, microseconds waited) until its standard input closes. Args: database file.
 */
public final class OtherWriter {
    private OtherWriter() {
    }

    public static void main(String[] args) throws Exception {
        Thread stop = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the parent closes the stream to stop this writer
                }
            } catch (IOException e) {
                // parent gone: stop as well
            }
            System.exit(0);
        });
        stop.setDaemon(true);
        stop.start();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + args[0] + "?busy_timeout=60000");
                Statement s = c.createStatement();
                PreparedStatement ps = c.prepareStatement("INSERT INTO other_writes (at, waited) VALUES (?, ?)")) {
            for (long i = 0; ; i++) {
                long start = wallMicros();
                long t0 = System.nanoTime();
                s.execute("BEGIN IMMEDIATE");
                long waited = (System.nanoTime() - t0) / 1000;
                ps.setLong(1, start);
                ps.setLong(2, waited);
                ps.executeUpdate();
                s.execute("COMMIT");
                System.out.println(start + " " + waited);
                LockSupport.parkNanos(2_000_000);
            }
        }
    }

    static long wallMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }
}
