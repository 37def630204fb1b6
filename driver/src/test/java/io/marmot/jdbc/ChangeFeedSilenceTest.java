package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.marmot.Marmot;
import io.marmot.feed.ChangeFeedStats;
import io.marmot.fixture.TwoNodes;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Where the change feed cannot go on, it says why (ChangeFeedStats.problem, a WARN line) instead of standing still
 * without a word: a node never stalls in silence.
 */
class ChangeFeedSilenceTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    final TwoNodes nodes = TwoNodes.perTest();

    /** It read a refused write of the lease's key as another node holding it, and waited with problem=null. */
    @Test
    void aLeaseThatCannotBeWrittenIsAProblemNotAnotherHolder() throws Exception {
        try (Connection nc = Nats.connect(nodes.nats().url())) {
            // a bucket with no room: every write of a key is refused ("maximum bytes exceeded")
            nc.keyValueManagement().create(KeyValueConfiguration.builder().name("marmot-changes-locks")
                    .maxHistoryPerKey(1).ttl(Duration.ofSeconds(15)).maxBucketSize(1).storageType(StorageType.File)
                    .build());
        }
        java.sql.Connection one = nodes.connect(1, "change-feed=shop.cdc");
        Db.exec(one, "CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t VALUES (1)");
        ChangeFeedStats stats = Await.value(WAIT, "the feed reports why it does not emit", this::stats,
                s -> s.problem() != null);
        assertFalse(stats.emitting(), stats.toString());
    }

    /**
     * The change stream is created anew (as on a server whose store was lost): it now ends before where the feed
     * stands, which waited in silence for it to grow past that point (and would then have skipped what came before).
     */
    @Test
    void aChangeStreamThatEndsBeforeTheFeedIsAProblem() throws Exception {
        java.sql.Connection one = nodes.connect(1, "change-feed=shop.cdc");
        Db.exec(one, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
        for (int id = 1; id <= 20; id++) {
            Db.exec(one, "INSERT INTO t VALUES (" + id + ")");
        }
        Await.until(WAIT, "the feed emitted the inserts", () -> stats().emittedRows() == 20);
        try (Connection nc = Nats.connect(nodes.nats().url())) {
            var jsm = nc.jetStreamManagement();
            var config = jsm.getStreamInfo("marmot-changes-1-1").getConfiguration();
            jsm.deleteStream("marmot-changes-1-1");
            jsm.addStream(config); // empty again, as from a server whose store was lost
        }
        Db.exec(one, "INSERT INTO t VALUES (21)");
        Await.value(WAIT, "the feed reports that the stream ends before it", this::stats,
                s -> s.problem() != null && s.problem().contains("marmot-changes-1-1 ends at"));
    }

    private ChangeFeedStats stats() throws java.sql.SQLException {
        return Marmot.engine(nodes.database(1)).orElseThrow().changeFeedStats();
    }
}
