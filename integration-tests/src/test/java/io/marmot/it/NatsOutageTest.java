package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import java.sql.PreparedStatement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** nats-server stops while a node writes; local writes go on, and everything arrives once it is back. */
class NatsOutageTest {
    @Test
    void writesDuringAnOutageArriveAfterIt() throws Exception {
        Cluster.run(2, "", (cluster, a, b) -> {
            a.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
            b.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
            try (PreparedStatement ins = a.connection().prepareStatement("INSERT INTO t VALUES (?, ?)")) {
                for (int i = 1; i <= 200; i++) {
                    insert(ins, i);
                }
                Await.until(Duration.ofSeconds(20), "first rows on b", () -> b.scalar("SELECT count(*) FROM t") == 200);

                cluster.nats().stop();
                long started = System.nanoTime();
                for (int i = 201; i <= 2200; i++) {
                    insert(ins, i); // NATS is down: the commit must still return at local speed
                }
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertEquals(2200, a.scalar("SELECT count(*) FROM t"));
                assertEquals(200, b.scalar("SELECT count(*) FROM t"), "nothing can arrive while NATS is down");
                assertTrue(millis < 30_000, "2000 local commits took " + millis + " ms");

                cluster.nats().restart(); // same port, same store
                for (int i = 2201; i <= 2300; i++) {
                    insert(ins, i);
                }
                Await.until(Duration.ofSeconds(30), "every row on b after the outage",
                        () -> b.scalar("SELECT count(*) FROM t") == 2300);
            }
        });
    }

    private static void insert(PreparedStatement ins, int i) throws Exception {
        ins.setInt(1, i);
        ins.setString(2, "row " + i);
        ins.executeUpdate();
    }
}
