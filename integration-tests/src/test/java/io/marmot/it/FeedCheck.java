package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.ClusterInfo;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.Replica;
import io.nats.client.support.JsonParser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the change-feed tests check, from outside: which node emits, how many rows it emitted, and — with a plain
 * jnats reader of the feed stream — that every insert a writer committed is in the feed exactly once.
 */
final class FeedCheck {
    static final Duration WAIT = Duration.ofSeconds(90);
    private static final Duration MAX_CATCH_UP = Duration.ofMinutes(6);
    static final String STREAM = "marmot-changes-feed";
    static final String FEED = "change-feed=it.cdc";

    private FeedCheck() {
    }

    static boolean emitting(NodeProcess node) throws Exception {
        return feed(node).contains("emitting=true");
    }

    static long rows(NodeProcess node) throws Exception {
        return Long.parseLong(feed(node).replaceAll(".* rows=(\\d+).*", "$1"));
    }

    static String feed(NodeProcess node) throws Exception {
        node.send("feed");
        return node.expect(l -> l.startsWith("feed "), 10);
    }

    /**
     * Every stream of the cluster has a leader and all its replicas current. A server restarted on its store catches
     * up for a while; killing the next one before it did leaves a stream one current replica of three: no quorum (seen:
     * the feed's stream stalled until the killed server came back), which is two failures at once, not one in turn.
     */
    static void awaitReplicasCurrent(String urls) throws Exception {
        try (Connection nc = Nats.connect(Options.builder().servers(urls.split(",")).build())) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            Await.until(WAIT, "every stream's replicas are current", () -> {
                for (String name : jsm.getStreamNames()) {
                    ClusterInfo c = jsm.getStreamInfo(name).getClusterInfo();
                    if (c == null || c.getLeader() == null || c.getReplicas() == null) {
                        return false;
                    }
                    for (Replica r : c.getReplicas()) {
                        if (!r.isCurrent() || r.isOffline()) {
                            return false;
                        }
                    }
                }
                return true;
            });
        }
    }

    /** Every insert into events with an id from 1 to {@code last} is in the feed once, and no other. */
    static void everyInsertOnce(String urls, long last) throws Exception {
        Map<Long, Integer> seen = awaitInserts(urls, last);
        List<Long> wrong = new ArrayList<>();
        for (long id = 1; id <= last; id++) {
            if (seen.getOrDefault(id, 0) != 1) {
                wrong.add(id);
            }
        }
        assertEquals(List.of(), wrong.size() > 20 ? wrong.subList(0, 20) : wrong,
                "ids of committed inserts seen never or more than once (" + wrong.size() + " in all)");
        assertEquals(last, seen.size(), "no insert the writer did not commit");
    }

    /** The ids of the feed's inserts into events, with how often each appears, once it holds {@code count} of them. */
    private static Map<Long, Integer> awaitInserts(String urls, long count) throws Exception {
        IterableConsumer[] reader = {null};
        try (Connection nc = Nats.connect(Options.builder().servers(urls.split(",")).build())) {
            Map<Long, Integer> seen = new HashMap<>();
            // A feed that goes on is waited for (a writer flat out on a loaded machine outruns it); one that stands
            // still for WAIT fails, as does one that has not caught up within MAX_CATCH_UP
            long start = System.nanoTime();
            long held = -1;
            while (held < count) {
                long before = held;
                held = Await.value(WAIT, "the feed holds " + count + " inserts", () -> {
                    readNew(nc, reader, seen);
                    return seen.values().stream().mapToLong(Integer::longValue).sum();
                }, inserts -> inserts >= count || inserts > before);
                assertTrue(System.nanoTime() - start < MAX_CATCH_UP.toNanos(),
                        "the feed went on but holds only " + held + " of " + count + " inserts after " + MAX_CATCH_UP);
            }
            Thread.sleep(2_000); // a repeat arriving late would be counted
            readNew(nc, reader, seen);
            return seen;
        } finally {
            if (reader[0] != null) {
                reader[0].stop();
            }
        }
    }

    /**
     * Reads what the feed stream holds now through one ordered consumer kept between calls (a request per message
     * reads a few thousand a second: the 300,000 of a long run would not be read in time).
     */
    private static void readNew(Connection nc, IterableConsumer[] reader, Map<Long, Integer> seen) throws Exception {
        if (reader[0] == null) {
            try {
                reader[0] = nc.getStreamContext(STREAM).createOrderedConsumer(
                        new OrderedConsumerConfiguration().filterSubject("it.cdc.events")).iterate();
            } catch (JetStreamApiException e) {
                return; // not created yet
            }
        }
        for (int i = 0; i < 100_000; i++) {
            Message m = reader[0].nextMessage(Duration.ofMillis(500));
            if (m == null) {
                return;
            }
            var json = JsonParser.parse(m.getData());
            assertEquals("c", json.map.get("op").string, "only inserts into events: " + json.toJson());
            var id = json.map.get("after").map.get("id");
            seen.merge(id.l != null ? id.l : id.i, 1, Integer::sum);
        }
    }
}
