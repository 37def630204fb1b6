package io.marmot.it;

import static io.marmot.it.Nodes.exec;
import static io.marmot.it.Nodes.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.engine.Engines;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import io.marmot.wire.WireFormat;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Garbage and attacks published straight into the change stream: nodes log, count, park, and go on converging. */
class HostileMessagesTest {
    private static final String SUBJECT = "marmot-change-log-1.666";

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void garbageIsRejectedAndReplicationGoesOn() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"));
                Connection a = Nodes.open(dir.resolve("a.db"), 1, nats.url());
                Connection b = Nodes.open(dir.resolve("b.db"), 2, nats.url());
                io.nats.client.Connection attacker = Nats.connect(nats.url())) {
            String schema = "CREATE TABLE Books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, year INTEGER)";
            exec(a, schema);
            exec(b, schema);
            exec(a, "INSERT INTO Books VALUES (1, 'Emma', 1815)");
            Await.until(Duration.ofSeconds(20), "stream ready and first row on b", () -> scalar(b, "SELECT count(*) FROM Books") == 1);

            JetStream js = attacker.jetStream();
            byte[] valid = WireFormat.encode(batch(new TableShape("Books", List.of("id", "title", "year"), new int[] {0}),
                    new Object[] {2L, "Persuasion", 1817L}), false);
            List<byte[]> undecodable = new ArrayList<>();
            undecodable.add(new byte[0]);
            undecodable.add("DROP TABLE Books".getBytes(StandardCharsets.UTF_8));
            undecodable.add(java.util.Arrays.copyOf(valid, valid.length / 2)); // truncated
            byte[] flipped = valid.clone();
            flipped[flipped.length / 2] ^= 0x10;
            undecodable.add(flipped);
            byte[] future = valid.clone();
            future[0] = 9;
            undecodable.add(future); // a format this node does not know
            byte[] noise = new byte[900_000];
            new Random(7).nextBytes(noise);
            undecodable.add(noise); // oversized garbage
            for (byte[] m : undecodable) {
                js.publish(SUBJECT, m);
            }
            // Well-formed messages that name what no peer may touch, or what does not exist here.
            List<byte[]> parkable = List.of(
                    encode("sqlite_master", List.of("type", "name"), new Object[] {"table", "x"}),
                    encode("__marmot_state", List.of("id", "applying"), new Object[] {1L, 1L}),
                    encode("Books\"; DROP TABLE Books; --", List.of("id"), new Object[] {3L}),
                    encode("Books", List.of("id", "title\" = 'x'; DROP TABLE Books; --"), new Object[] {4L, "y"}),
                    encode("Nope", List.of("id"), new Object[] {5L}),
                    encode("Books", List.of("id", "title", "year"), new Object[] {6L, null, 2000L})); // NOT NULL violated
            for (byte[] m : parkable) {
                js.publish(SUBJECT, m);
            }

            exec(a, "INSERT INTO Books VALUES (7, 'Sanditon', 1817)");
            Await.until(Duration.ofSeconds(20), "replication still flowing", () -> scalar(b, "SELECT count(*) FROM Books WHERE id = 7") == 1);
            Await.until(Duration.ofSeconds(20), "every hostile message accounted for", () ->
                    Engines.running(dir.resolve("b.db").toRealPath()).stats().rejectedMessages() >= undecodable.size()
                            && scalar(b, "SELECT count(*) FROM __marmot_parked") >= parkable.size());

            assertEquals(2, scalar(b, "SELECT count(*) FROM Books"), "only the real rows arrived");
            assertEquals(0, scalar(b, "SELECT applying FROM __marmot_state"));
            assertEquals(1, scalar(b, "SELECT count(*) FROM sqlite_master WHERE name = 'Books'"), "table intact");
            assertEquals(0, scalar(b, "SELECT count(*) FROM sqlite_master WHERE name = 'x'"));
            assertTrue(scalar(b, "SELECT count(*) FROM __marmot_parked WHERE reason LIKE '%Nope%'") == 1, "reason names the table");
            // and b's own writes still reach a
            exec(b, "INSERT INTO Books VALUES (8, 'Lady Susan', 1871)");
            Await.until(Duration.ofSeconds(20), "b to a", () -> scalar(a, "SELECT count(*) FROM Books WHERE id = 8") == 1);
        }
    }

    private static byte[] encode(String table, List<String> columns, Object[] values) {
        return WireFormat.encode(batch(new TableShape(table, columns, new int[] {0}), values), false);
    }

    private static ChangeBatch batch(TableShape shape, Object[] values) {
        long version = System.currentTimeMillis() << 16;
        return new ChangeBatch(666, version, 0, true, List.of(new RowChange(version, shape, RowChange.INSERT, null, values)));
    }
}
