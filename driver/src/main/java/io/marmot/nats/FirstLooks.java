package io.marmot.nats;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A starting node's first look at each change stream, asked once and given to both who need it at the start: the
 * first set-up (does the stream exist, with which settings: {@link Streams#ensure}) and the start's catch-up (how far
 * it reaches). Each asked the server for the same stream info at the same moment, a request more for every database
 * opening. Each of them is given the shared look once; asked again (a reconnection's set-up), it looks afresh.
 */
public final class FirstLooks {
    /** Who looks. */
    public enum For { SET_UP, CATCH_UP }

    private static final long WAIT_SECONDS = 10;

    /** The look at a stream, empty when it does not exist. */
    private final Map<String, CompletableFuture<Optional<StreamInfo>>> looks = new ConcurrentHashMap<>();
    private final Set<String> given = ConcurrentHashMap.newKeySet();

    /** The stream's info, or null when it does not exist; the shared look the first time {@code who} asks. */
    public StreamInfo info(JetStreamManagement jsm, String stream, For who) throws IOException, JetStreamApiException {
        String key = who + " " + stream;
        if (!given.add(key)) {
            return Streams.existing(jsm, stream);
        }
        CompletableFuture<Optional<StreamInfo>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<StreamInfo>> look = looks.putIfAbsent(stream, mine);
        if (look == null) {
            try {
                StreamInfo info = Streams.existing(jsm, stream);
                mine.complete(Optional.ofNullable(info));
                return info;
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                looks.remove(stream, mine); // the next to ask asks the server
                given.remove(key);
                mine.completeExceptionally(e);
                throw e;
            }
        }
        try {
            return look.get(WAIT_SECONDS, TimeUnit.SECONDS).orElse(null);
        } catch (ExecutionException | TimeoutException e) {
            return Streams.existing(jsm, stream); // the other's look failed or hangs: one of our own
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while looking at stream " + stream, e);
        }
    }
}
