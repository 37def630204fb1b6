package io.marmot.nats;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.support.JsonParser;
import io.nats.client.support.JsonValue;
import io.nats.client.support.JsonValueUtils;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last sequence of the streams on one NATS connection, read with one JetStream stream listing
 * ({@code $JS.API.STREAM.LIST}, paged) that every engine of the connection shares: idle feed watchdogs read their
 * streams' ends from it, so a thousand idle databases cost a listing of a few pages now and then instead of a stream
 * info request each. One listing at a time per filter: a caller that wants one while it runs waits for it. Bounded:
 * at most {@value #MAX_PAGES} pages, and no page asked for after {@link #LISTING_TIMEOUT}; a stream it did not reach
 * (or that the server left out: a cluster's stream without a leader) is simply absent, and its caller asks the stream
 * itself. A listing that failed is remembered like one that did not, so that the callers of the next seconds ask
 * their streams directly instead of each trying again.
 */
public final class StreamEnds {
    private static final Logger log = LoggerFactory.getLogger(StreamEnds.class);
    private static final String LIST = "$JS.API.STREAM.LIST";
    /** The server's pages hold 256 streams: ten thousand streams on one connection are listed whole. */
    static final int MAX_PAGES = 40;
    private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration LISTING_TIMEOUT = Duration.ofSeconds(4);

    /** Guarded by this. */
    private final Map<String, Listing> latest = new HashMap<>();
    /** Guarded by this. */
    private final Map<String, CompletableFuture<Listing>> running = new HashMap<>();

    /**
     * The streams' ends as the server told them.
     *
     * @param askedAt when it was asked for (System.nanoTime): every end is at least as recent
     * @param ends per stream name, its last sequence; null when the listing failed
     */
    public record Listing(long askedAt, Map<String, Long> ends) {
        /** The stream's last sequence, null when the listing does not hold it. */
        public Long end(String stream) {
            return ends == null ? null : ends.get(stream);
        }
    }

    /**
     * The listing of the streams whose subjects match {@code filter}, asked for no earlier than {@code notBefore}
     * (System.nanoTime); the last one when it is recent enough, else a new one (or the one under way). Null when none
     * could be had: the server failed, or did not answer in time.
     */
    public Listing since(Connection nc, String filter, long notBefore) {
        CompletableFuture<Listing> pending;
        boolean mine = false;
        synchronized (this) {
            Listing last = latest.get(filter);
            if (last != null && last.askedAt() - notBefore >= 0) {
                return last.ends() == null ? null : last;
            }
            pending = running.get(filter);
            if (pending == null) {
                pending = new CompletableFuture<>();
                running.put(filter, pending);
                mine = true;
            }
        }
        Listing got;
        if (mine) {
            got = new Listing(System.nanoTime(), null);
            try {
                got = list(nc, filter);
            } finally {
                synchronized (this) {
                    latest.put(filter, got);
                    running.remove(filter);
                }
                pending.complete(got);
            }
        } else {
            try {
                got = pending.get(LISTING_TIMEOUT.plus(PAGE_TIMEOUT).toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (ExecutionException | TimeoutException e) {
                return null;
            }
        }
        return got.ends() == null || got.askedAt() - notBefore < 0 ? null : got;
    }

    /**
     * The filter that selects streams whose subjects have the shape of {@code subjects} (as many tokens, the same
     * trailing {@code >}): {@code t3-1.*} gives {@code *.*}, which leaves out key-value buckets' streams
     * ({@code $KV.<bucket>.>}) while it keeps every tenant's change streams.
     */
    public static String filterLike(String subjects) {
        String[] tokens = subjects.split("\\.", -1);
        StringBuilder f = new StringBuilder();
        for (int i = 0; i < tokens.length; i++) {
            if (i > 0) {
                f.append('.');
            }
            f.append(i == tokens.length - 1 && tokens[i].equals(">") ? ">" : "*");
        }
        return f.toString();
    }

    private static Listing list(Connection nc, String filter) {
        long askedAt = System.nanoTime();
        Map<String, Long> ends = new HashMap<>();
        int offset = 0;
        try {
            for (int page = 0; page < MAX_PAGES; page++) {
                if (page > 0 && System.nanoTime() - askedAt > LISTING_TIMEOUT.toNanos()) {
                    log.debug("listing the streams took over {}: {} listed, the rest are asked directly",
                            LISTING_TIMEOUT, ends.size());
                    break;
                }
                String body = "{\"offset\":" + offset + ",\"subject\":\"" + filter + "\"}";
                Message reply = nc.request(LIST, body.getBytes(StandardCharsets.UTF_8), PAGE_TIMEOUT);
                if (reply == null || reply.isStatusMessage() || reply.getData() == null) {
                    return failed(askedAt, ends, "no answer");
                }
                JsonValue answer = JsonParser.parse(reply.getData());
                JsonValue error = JsonValueUtils.readValue(answer, "error");
                if (error != null) {
                    return failed(askedAt, ends, JsonValueUtils.readString(error, "description", "an error"));
                }
                List<JsonValue> streams = JsonValueUtils.readArray(answer, "streams");
                for (JsonValue s : streams) {
                    String name = JsonValueUtils.readString(JsonValueUtils.readValue(s, "config"), "name");
                    JsonValue state = JsonValueUtils.readValue(s, "state");
                    if (name != null && state != null) {
                        ends.put(name, JsonValueUtils.readLong(state, "last_seq", 0));
                    }
                }
                offset += streams.size();
                if (streams.isEmpty() || offset >= JsonValueUtils.readLong(answer, "total", 0)) {
                    break;
                }
            }
            return new Listing(askedAt, ends);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(askedAt, ends, "interrupted");
        } catch (Exception e) {
            return failed(askedAt, ends, e.toString());
        }
    }

    /** Pages already read still tell their streams' ends; with none, the listing failed. */
    private static Listing failed(long askedAt, Map<String, Long> ends, String why) {
        log.debug("listing the streams failed after {} stream(s): {}", ends.size(), why);
        return new Listing(askedAt, ends.isEmpty() ? null : ends);
    }
}
