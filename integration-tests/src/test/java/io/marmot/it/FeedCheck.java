package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.testing.Await;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.MessageInfo;
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
        try (Connection nc = Nats.connect(Options.builder().servers(urls.split(",")).build())) {
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
