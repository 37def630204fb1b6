package io.marmot.feed;

import io.nats.client.JetStream;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes feed messages in order, each only if the stream's last message is the one this writer published before
 * it ({@code Nats-Expected-Last-Sequence}): a message that did not land makes every later one fail, so the stream
 * never has a hole, and a second emitter (two nodes each believing they hold the lease) cannot interleave with this
 * one. Messages are sent without waiting and their acknowledgements awaited together in {@link #flush}.
 */
final class FeedWriter {
    private static final long ACK_WAIT_SECONDS = 10;
    private final JetStream js;
    private long lastSeq;
    private final List<CompletableFuture<PublishAck>> inFlight = new ArrayList<>();

    FeedWriter(JetStream js, long lastSeq) {
        this.js = js;
        this.lastSeq = lastSeq;
    }

    void add(String subject, String messageId, String position, byte[] body) {
        Headers h = new Headers().put(FeedPosition.HEADER, position);
        PublishOptions o = PublishOptions.builder().messageId(messageId)
                .expectedLastSequence(lastSeq + inFlight.size()).build();
        inFlight.add(js.publishAsync(subject, h, body, o));
    }

    int pending() {
        return inFlight.size();
    }

    /** Waits for every message sent; any failure means the stream is not where this writer thinks. */
    void flush() throws IOException, InterruptedException {
        try {
            for (CompletableFuture<PublishAck> f : inFlight) {
                PublishAck ack = f.get(ACK_WAIT_SECONDS, TimeUnit.SECONDS);
                if (ack.isDuplicate()) {
                    throw new IOException("the change feed's stream took message " + ack.getSeqno()
                            + " as a duplicate: another emitter is publishing");
                }
                lastSeq = ack.getSeqno();
            }
        } catch (ExecutionException e) {
            throw new IOException("publishing to the change feed's stream: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the change feed's stream did not acknowledge within " + ACK_WAIT_SECONDS + " s", e);
        } finally {
            inFlight.clear();
        }
    }
}
