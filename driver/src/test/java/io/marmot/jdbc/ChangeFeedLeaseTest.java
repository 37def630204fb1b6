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
 * The change feed's lease when its key cannot be written at all: the feed stands still, and says why. It read such a
 * failure as another node holding the lease and waited for it without a word (emitting=false, problem=null).
 */
class ChangeFeedLeaseTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    final TwoNodes nodes = TwoNodes.perTest();

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

    private ChangeFeedStats stats() throws java.sql.SQLException {
        return Marmot.engine(nodes.database(1)).orElseThrow().changeFeedStats();
    }
}
