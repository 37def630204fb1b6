package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import io.marmot.wire.WireFormat;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Garbage and attacks published straight into the change stream: nodes log, count, park, and go on converging. */
class HostileMessagesTest {
    private static final String SUBJECT = "marmot-change-log-1.666";

    @Test
    void garbageIsRejectedAndReplicationGoesOn() throws Exception {
        Cluster.run(2, "", (cluster, a, b) -> {
            try (io.nats.client.Connection attacker = Nats.connect(cluster.url())) {
                attack(a, b, attacker);
            }
        });
    }

    private static void attack(Node a, Node b, io.nats.client.Connection attacker) throws Exception {
        String schema = "CREATE TABLE IF NOT EXISTS Books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, year INTEGER)";
        a.exec(schema);
        b.exec(schema);
        a.exec("INSERT INTO Books VALUES (1, 'Emma', 1815)");
        Await.until(Duration.ofSeconds(20), "stream ready and first row on b", () -> b.scalar("SELECT count(*) FROM Books") == 1);

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
                encode("Books", List.of("id", "title", "year"), new Object[] {6L, null, 2000L}), // NOT NULL violated
                newerFormat(valid)); // intact, from a newer version: kept until this node is upgraded
        for (byte[] m : parkable) {
            js.publish(SUBJECT, m);
        }

        a.exec("INSERT INTO Books VALUES (7, 'Sanditon', 1817)");
        Await.until(Duration.ofSeconds(20), "replication still flowing", () -> b.scalar("SELECT count(*) FROM Books WHERE id = 7") == 1);
        Await.until(Duration.ofSeconds(20), "every hostile message accounted for", () ->
                b.engine().stats().rejectedMessages() >= undecodable.size()
                        && b.scalar("SELECT count(*) FROM __marmot_parked") >= parkable.size());

        assertEquals(2, b.scalar("SELECT count(*) FROM Books"), "only the real rows arrived");
        assertEquals(0, b.scalar("SELECT applying FROM __marmot_state"));
        assertEquals(1, b.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'Books'"), "table intact");
        assertEquals(0, b.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'x'"));
        assertTrue(b.scalar("SELECT count(*) FROM __marmot_parked WHERE reason LIKE '%Nope%'") == 1, "reason names the table");
        assertEquals(1, b.scalar("SELECT count(*) FROM __marmot_parked WHERE reason LIKE '%upgrade this node%'"));
        // and b's own writes still reach a
        b.exec("INSERT INTO Books VALUES (8, 'Lady Susan', 1871)");
        Await.until(Duration.ofSeconds(20), "b to a", () -> a.scalar("SELECT count(*) FROM Books WHERE id = 8") == 1);
    }

    @Test
    void aGroupWhoseChunksNeverAllComeIsGivenUpCountedAndPassed() throws Exception {
        Cluster.run(2, "", (cluster, a, b) -> {
            try (io.nats.client.Connection writer = Nats.connect(cluster.url())) {
                String schema = "CREATE TABLE IF NOT EXISTS Books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, year INTEGER)";
                a.exec(schema);
                b.exec(schema);
                a.exec("INSERT INTO Books VALUES (1, 'Emma', 1815)");
                Await.until(Duration.ofSeconds(20), "first row on b", () -> b.scalar("SELECT count(*) FROM Books") == 1);
                TableShape books = new TableShape("Books", List.of("id", "title", "year"), new int[] {0});
                long version = System.currentTimeMillis() << 16;
                // The first of two chunks of node 666's transaction; its second never comes, while its node goes on.
                JetStream js = writer.jetStream();
                js.publish(SUBJECT, WireFormat.encode(new ChangeBatch(666, version, 0, false, List.of(
                        new RowChange(version, books, RowChange.INSERT, null, new Object[] {2L, "Lost", 1800L}))), false));
                for (int i = 1; i <= io.marmot.wire.ChunkedGroups.PATIENCE + 1; i++) {
                    js.publishAsync(SUBJECT, WireFormat.encode(new ChangeBatch(666, version + i, 0, true, List.of()), false));
                }
                js.publish(SUBJECT, WireFormat.encode(batch(books, new Object[] {3L, "Persuasion", 1817L}), false));
                a.exec("INSERT INTO Books VALUES (4, 'Sanditon', 1817)");
                Await.until(Duration.ofSeconds(30), "the group given up on b, and what came after it applied", () ->
                        b.engine().stats().groupsGivenUp() == 1 && b.scalar("SELECT count(*) FROM Books") == 3);
                assertEquals(0, b.scalar("SELECT count(*) FROM Books WHERE id = 2"), "the incomplete transaction is not applied");
                // a reads the same stream, at its own pace (a loaded machine had a behind b here)
                Await.until(Duration.ofSeconds(30), "the same group given up on a", () ->
                        a.engine().stats().groupsGivenUp() >= 1 && a.scalar("SELECT count(*) FROM Books") == 3);
                assertEquals(1, a.engine().stats().groupsGivenUp(), "given up once, not once per look");
                assertEquals(0, b.engine().stats().rejectedMessages());
            }
        });
    }

    private static byte[] newerFormat(byte[] valid) {
        byte[] m = valid.clone();
        m[0] = (byte) (WireFormat.FORMAT + 1);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(m, 0, m.length - 4);
        java.nio.ByteBuffer.wrap(m, m.length - 4, 4).putInt((int) crc.getValue());
        return m;
    }

    private static byte[] encode(String table, List<String> columns, Object[] values) {
        return WireFormat.encode(batch(new TableShape(table, columns, new int[] {0}), values), false);
    }

    private static ChangeBatch batch(TableShape shape, Object[] values) {
        long version = System.currentTimeMillis() << 16;
        return new ChangeBatch(666, version, 0, true, List.of(new RowChange(version, shape, RowChange.INSERT, null, values)));
    }
}
