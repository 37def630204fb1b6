package io.marmot.it;

import static io.marmot.it.Nodes.exec;
import static io.marmot.it.Nodes.scalar;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose clock runs an hour ahead (faketime) measures it against the NATS server, says so, and holds its
 * versions to max-clock-skew: it neither wins every conflict for an hour nor drags its peers' clocks forward.
 */
class ClockSkewTest {
    private static final long HOUR = 3_600_000;

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void aNodeAnHourAheadIsMeasuredReportedAndBounded() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/faketime")), "faketime is not installed");
        Path skewedDb = dir.resolve("skewed.db");
        try (TestNats nats = TestNats.start(dir.resolve("nats"));
                Connection a = Nodes.open(dir.resolve("a.db"), 1, nats.url());
                NodeProcess skewed = new NodeProcess(List.of("/usr/bin/faketime", "-f", "+1h"), skewedDb, 2, nats.url(),
                        dir.resolve("skewed.log"))) {
            exec(a, Workload.SCHEMA.toArray(String[]::new));
            String[] stats = {""};
            Await.until(Duration.ofSeconds(30), "the skewed node measures its clock", () -> {
                skewed.send("stats");
                stats[0] = skewed.expect(l -> l.startsWith("stats "), 10);
                return stats[0].contains("clockKnown=true");
            });
            long offset = Long.parseLong(stats[0].replaceAll(".*clockOffset=(-?\\d+).*", "$1"));
            assertTrue(Math.abs(offset - HOUR) < 5_000, "measured " + offset + " ms ahead: " + stats[0]);
            assertTrue(stats[0].contains("ready=false") && stats[0].contains("ahead of the NATS server's"), stats[0]);
            Await.until(Duration.ofSeconds(10), "the correction reaches the triggers",
                    () -> CrashRecoveryTest.count(skewedDb, "SELECT skew FROM __marmot_state") > HOUR - 10_000);

            skewed.send("sql INSERT INTO kv (k, v, n) VALUES (1, 'written on the skewed node', 0)");
            skewed.expect(l -> l.equals("ok"), 10);
            long now = System.currentTimeMillis();
            long version = CrashRecoveryTest.count(skewedDb, "SELECT max(hlc) FROM __marmot_log");
            assertTrue((version >>> 16) < now + 5_000, "its version runs " + ((version >>> 16) - now)
                    + " ms ahead of true time, not an hour");
            Await.until(Duration.ofSeconds(20), "the row on the true-clock node", () -> scalar(a, "SELECT count(*) FROM kv") == 1);
            long floor = scalar(a, "SELECT hlc FROM __marmot_state");
            assertTrue((floor >>> 16) < System.currentTimeMillis() + 5_000, "the peer's clock was not dragged an hour ahead");

            exec(a, "UPDATE kv SET v = 'written later on the true clock' WHERE k = 1");
            Await.until(Duration.ofSeconds(20), "the later write wins on both nodes", () -> "written later on the true clock"
                    .equals(CrashRecoveryTest.text(skewedDb, "SELECT v FROM kv WHERE k = 1")));
        }
    }
}
