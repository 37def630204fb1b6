package io.marmot.it;

import static io.marmot.it.FeedCheck.FEED;
import static io.marmot.it.FeedCheck.WAIT;
import static io.marmot.it.FeedCheck.emitting;
import static io.marmot.it.FeedCheck.rows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import org.junit.jupiter.api.Test;

/**
 * The change feed across a kill -9 of the node that emits it: the other node takes the lease over and goes on from
 * the feed stream's last message, and a plain jnats consumer finds every committed insert exactly once.
 */
class ChangeFeedKillTest {
    @Test
    void everyInsertOnceAcrossAKillOfTheEmitter() throws Exception {
        Cluster.inJvms(2, FEED, (cluster, a, b) -> {
            NodeProcess[] nodes = {a, b};
            Await.until(WAIT, "a node emits the feed", () -> emitting(a) || emitting(b));
            int emitter = emitting(a) ? 0 : 1;
            NodeProcess writer = nodes[1 - emitter];
            writer.send("stream 1");
            writer.expect(l -> l.equals("streaming"), 10);
            NodeProcess killed = nodes[emitter];
            Await.until(WAIT, "the emitter emitted some of the writes", () -> rows(killed) > 200);
            killed.kill(); // wherever it is: between publishing and acknowledgement, mid-transaction
            Await.until(WAIT, "the writer took the feed over", () -> emitting(writer));
            NodeProcess restarted = cluster.process(emitter == 0 ? "a" : "b", emitter + 1, FEED);
            Await.until(WAIT, "the writer emitted after the take-over", () -> rows(writer) > 200);
            writer.send("stop");
            long last = Long.parseLong(writer.expect(l -> l.startsWith("stopped "), 30).substring("stopped ".length()));
            assertTrue(last > 500, "the writer kept committing (" + last + " rows)");

            FeedCheck.everyInsertOnce(cluster.url(), last);
            restarted.send("feed");
            assertTrue(restarted.expect(l -> l.startsWith("feed "), 10).contains("missing=0"));
        });
    }
}
