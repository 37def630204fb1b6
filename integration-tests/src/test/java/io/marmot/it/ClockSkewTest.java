package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A node whose clock runs an hour ahead (faketime) measures it against the NATS server, says so, and holds its
 * versions to max-clock-skew: it neither wins every conflict for an hour nor drags its peers' clocks forward.
 */
class ClockSkewTest {
    private static final long HOUR = 3_600_000;

    @Test
    void aNodeAnHourAheadIsMeasuredReportedAndBounded() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/faketime")), "faketime is not installed");
        Cluster.run(1, "", (cluster, a) -> {
            NodeProcess skewed = cluster.process(List.of("/usr/bin/faketime", "-f", "+1h"), "skewed", 2);
            Path skewedDb = cluster.db("skewed");
            a.exec(Workload.SCHEMA.toArray(String[]::new));
            // The first samples may take seconds (the bucket is created, the faked JVM warms up); the estimate
            // keeps the sample with the shortest round trip, so it settles within a few renewals (every 3 s).
            String stats = Await.value(Duration.ofSeconds(45), "the skewed node measures its clock an hour ahead", () -> {
                skewed.send("stats");
                return skewed.expect(l -> l.startsWith("stats "), 10);
            }, s -> s.contains("clockKnown=true") && Math.abs(offsetOf(s) - HOUR) < 2_000);
            assertTrue(stats.contains("ready=false") && stats.contains("ahead of the NATS server's"), stats);
            Await.until(Duration.ofSeconds(10), "the correction reaches the triggers",
                    () -> Db.count(skewedDb, "SELECT skew FROM __marmot_state") > HOUR - 10_000);

            skewed.send("sql INSERT INTO kv (k, v, n) VALUES (1, 'written on the skewed node', 0)");
            skewed.expect(l -> l.equals("ok"), 10);
            long now = System.currentTimeMillis();
            long version = Db.count(skewedDb, "SELECT max(mask) FROM __marmot_log WHERE op IN (8, 9)"); // markers' readings
            assertTrue((version >>> 16) < now + 5_000, "its version runs " + ((version >>> 16) - now)
                    + " ms ahead of true time, not an hour");
            Await.until(Duration.ofSeconds(20), "the row on the true-clock node", () -> a.scalar("SELECT count(*) FROM kv") == 1);
            // The floor is raised past every version a applied, the skewed node's row included: it bounds that version
            // even when the row already left the skewed node's log (published and pruned, max(mask) above was NULL).
            long floor = a.scalar("SELECT hlc FROM __marmot_state");
            assertTrue(floor > 0 && floor >= version, "applying the row raised the peer's clock floor past its version");
            assertTrue((floor >>> 16) < System.currentTimeMillis() + 5_000, "the peer's clock was not dragged an hour ahead");

            a.exec("UPDATE kv SET v = 'written later on the true clock' WHERE k = 1");
            Await.until(Duration.ofSeconds(20), "the later write wins on both nodes", () -> "written later on the true clock"
                    .equals(Db.text(skewedDb, "SELECT v FROM kv WHERE k = 1")));
        });
    }

    private static long offsetOf(String stats) {
        return Long.parseLong(stats.replaceAll(".*clockOffset=(-?\\d+).*", "$1"));
    }
}
