package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;
import io.nats.client.support.JsonParser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The change feed across a kill -9 of the node that emits it: the other node takes the lease over and goes on from
 * the feed stream's last message, and a plain jnats consumer finds every committed insert exactly once.
 */
class ChangeFeedKillTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String STREAM = "marmot-changes-feed";
    private static final String FEED = "change-feed=it.cdc";

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

            Map<Long, Integer> seen = awaitInserts(cluster.url(), last);
            List<Long> wrong = new ArrayList<>();
            for (long id = 1; id <= last; id++) {
                if (seen.getOrDefault(id, 0) != 1) {
                    wrong.add(id);
                }
            }
            assertEquals(List.of(), wrong.size() > 20 ? wrong.subList(0, 20) : wrong,
                    "ids of committed inserts seen never or more than once (" + wrong.size() + " in all)");
            assertEquals(last, seen.size(), "no insert the writer did not commit");
            restarted.send("feed");
            assertTrue(restarted.expect(l -> l.startsWith("feed "), 10).contains("missing=0"));
        });
    }

    private static boolean emitting(NodeProcess node) throws Exception {
        return feed(node).contains("emitting=true");
    }

    private static long rows(NodeProcess node) throws Exception {
        String line = feed(node);
        return Long.parseLong(line.replaceAll(".* rows=(\\d+).*", "$1"));
    }

    private static String feed(NodeProcess node) throws Exception {
        node.send("feed");
        return node.expect(l -> l.startsWith("feed "), 10);
    }

    /** The ids of the feed's inserts into events, with how often each appears, once it holds {@code count} of them. */
    private static Map<Long, Integer> awaitInserts(String url, long count) throws Exception {
        try (Connection nc = Nats.connect(url.split(",")[0])) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            Map<Long, Integer> seen = new HashMap<>();
            long[] read = {0};
            Await.until(WAIT, "the feed holds " + count + " inserts", () -> {
                readNew(jsm, read, seen);
                return seen.values().stream().mapToLong(Integer::longValue).sum() >= count;
            });
            Thread.sleep(2_000); // a repeat arriving late would be counted
            readNew(jsm, read, seen);
            return seen;
        }
    }

    private static void readNew(JetStreamManagement jsm, long[] read, Map<Long, Integer> seen) throws Exception {
        long last;
        try {
            last = jsm.getStreamInfo(STREAM).getStreamState().getLastSequence();
        } catch (JetStreamApiException e) {
            return; // not created yet
        }
        for (long seq = read[0] + 1; seq <= last; seq++) {
            MessageInfo m = jsm.getMessage(STREAM, seq);
            if (m.getSubject().equals("it.cdc.events")) {
                var json = JsonParser.parse(m.getData());
                assertEquals("c", json.map.get("op").string, "only inserts into events: " + json.toJson());
                var id = json.map.get("after").map.get("id");
                seen.merge(id.l != null ? id.l : id.i, 1, Integer::sum);
            }
            read[0] = seq;
        }
    }
}
