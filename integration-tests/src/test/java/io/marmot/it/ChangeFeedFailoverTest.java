package io.marmot.it;

import static io.marmot.it.FeedCheck.FEED;
import static io.marmot.it.FeedCheck.WAIT;
import static io.marmot.it.FeedCheck.emitting;
import static io.marmot.it.FeedCheck.rows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.NatsCluster;
import io.marmot.testing.NatsServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The change feed while each nats-server of the cluster is killed in turn mid-emit (three servers, R3): one of them
 * leads the feed stream (publishes whose acknowledgement was lost are retried against the new leader), one hosts the
 * feed's ephemeral consumer of the change stream (fetches find nothing while it is down: the reader must notice and
 * read again). Each time the feed goes on, and a plain jnats reader finds every committed insert exactly once.
 *
 * <p>Not in the default run ({@code -Dmarmot.feed.failover=true} runs it): it is known to fail. The lease no longer
 * goes back and forth (a renewal whose answer a failover lost is kept while the key still holds this node's value or
 * cannot have lapsed) and the check reads the feed through one consumer instead of a request per message (300,000
 * messages were not read within its wait); it passed 2 of 6 runs on a loaded machine. Left: once one insert of 205,903
 * never reached the feed while both files hold it and the change stream was read to its end; once the feed stood at
 * 110,254 of 178,697 with no problem reported. Open in issue notes.
 */
class ChangeFeedFailoverTest {
    @Test
    void everyInsertOnceWhileEachServerIsKilledInTurn() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("marmot.feed.failover"), "-Dmarmot.feed.failover=true runs it");
        Cluster.with(2).natsCluster().params("log-replicas=3&" + FEED).inJvms((cluster, a, b) -> {
            NodeProcess[] nodes = {a, b};
            Await.until(WAIT, "a node emits the feed", () -> emitting(a) || emitting(b));
            NodeProcess emitter = emitting(a) ? a : b;
            NodeProcess writer = nodes[emitter == a ? 1 : 0];
            writer.send("stream 1");
            writer.expect(l -> l.equals("streaming"), 10);
            Await.until(WAIT, "the emitter emitted some of the writes", () -> rows(emitter) > 200);

            for (int i = 0; i < NatsCluster.SIZE; i++) {
                long before = rows(emitter) + rows(writer);
                NatsServer server = cluster.natsCluster().server(i);
                server.kill(); // mid-emit: publishes in flight, acknowledgements lost, maybe the feed's consumer gone
                Await.until(WAIT, "the feed goes on while server " + i + " is down",
                        () -> rows(emitter) + rows(writer) > before + 300);
                server.restart();
                FeedCheck.awaitReplicasCurrent(cluster.url()); // one server down at a time
            }
            writer.send("stop");
            long last = Long.parseLong(writer.expect(l -> l.startsWith("stopped "), 30).substring("stopped ".length()));
            assertTrue(last > 500, "the writer kept committing (" + last + " rows)");

            try {
                FeedCheck.everyInsertOnce(cluster.url(), last);
            } catch (AssertionError e) {
                e.addSuppressed(new Exception("emitter: " + FeedCheck.feed(emitter) + "; writer: "
                        + FeedCheck.feed(writer)));
                throw e;
            }
        });
    }
}
