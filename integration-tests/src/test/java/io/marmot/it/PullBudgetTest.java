package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.testing.Await;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import io.marmot.wire.WireFormat;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.api.PublishAck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Messages near NATS's 1 MiB reaching a running peer right after thousands of small ones, round after round, arrive
 * without a stall. With pulls bounded in bytes as well as messages, jnats 2.26 went on counting the byte budget of
 * pulls that had ended as pending; its next pulls asked for less than one large message, nats-server answered each
 * with "409 Message Size Exceeds MaxBytes" (about 100,000 in ten seconds) and the feed delivered nothing until the
 * applier's watchdog read it again after 6 s (a plain jnats consumer stalled the same way within four such rounds).
 */
class PullBudgetTest {
    private static final String SUBJECT = "marmot-change-log-1.667";
    private static final TableShape T = new TableShape("t", List.of("id", "v"), new int[] {0});
    private static final int ROUNDS = 6;
    private static final int SMALL = 3000;
    private static final int LARGE = 10;
    /** Rows of 4 KiB in a large message: about 700 KB, under NATS's 1 MiB. */
    private static final int LARGE_ROWS = 170;

    @Test
    void largeMessagesAfterManySmallOnesArriveWithoutAStall() throws Exception {
        Cluster.run(2, "", (cluster, a, b) -> {
            a.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
            b.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
            a.exec("INSERT INTO t VALUES (0, 'first')");
            Await.until(Duration.ofSeconds(20), "the stream ready and the first row on b",
                    () -> b.scalar("SELECT count(*) FROM t") == 1);
            try (io.nats.client.Connection origin = Nats.connect(cluster.url())) {
                JetStream js = origin.jetStream();
                long version = System.currentTimeMillis() << 16;
                long id = 0;
                String large = "x".repeat(4096);
                for (int round = 0; round < ROUNDS; round++) {
                    List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
                    for (int i = 0; i < SMALL; i++) { // one at a time: the peer keeps up, pull after pull
                        version++;
                        js.publish(SUBJECT, WireFormat.encode(new ChangeBatch(667, version, 0, true,
                                List.of(new RowChange(version, T, RowChange.INSERT, null, new Object[] {++id, "small"}))),
                                false));
                    }
                    for (int m = 0; m < LARGE; m++) {
                        long group = ++version;
                        List<RowChange> rows = new ArrayList<>();
                        for (int r = 0; r < LARGE_ROWS; r++) {
                            rows.add(new RowChange(version++, T, RowChange.INSERT, null, new Object[] {++id, large}));
                        }
                        acks.add(js.publishAsync(SUBJECT, WireFormat.encode(new ChangeBatch(667, group, 0, true, rows),
                                false)));
                    }
                    for (CompletableFuture<PublishAck> ack : acks) {
                        ack.get(30, TimeUnit.SECONDS);
                    }
                    long rows = id + 1;
                    // The watchdog reads a silent feed again after 6 s: the rows come well before, or the feed stalled.
                    Await.until(Duration.ofSeconds(4), "round " + round + ": every row on b",
                            () -> b.scalar("SELECT count(*) FROM t") == rows);
                }
            }
            Await.until(Duration.ofSeconds(20), "every row on a too", () -> a.scalar("SELECT count(*) FROM t")
                    == b.scalar("SELECT count(*) FROM t"));
            assertEquals(io.marmot.testing.Db.dump(a.path()), io.marmot.testing.Db.dump(b.path()),
                    "both nodes hold the same rows");
            assertEquals(0, b.engine().stats().feedStalls(), "no feed had to be read again");
            assertEquals(0, b.engine().stats().parkedMessages(), "nothing parked");
        });
    }
}
