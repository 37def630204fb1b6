package io.marmot.publish;

import io.marmot.wire.WireFormat;
import io.nats.client.JetStream;
import io.nats.client.Message;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Messages published asynchronously with at most {@value #WINDOW} (and {@value #WINDOW_BYTES} bytes) awaiting
 * JetStream's acknowledgement, settled in order: a message counts as published only once acknowledged, and the
 * first failure stops the cycle.
 */
final class PublishWindow {
    static final int WINDOW = 256;
    /**
     * 256 chunks of large rows would be 192 MiB on their way, queued ahead of everything else this shared connection
     * sends (pulls, acknowledgements of other engines) while their acknowledgements come late: bounded by bytes too.
     * Bulk small rows (messages of about {@link MessagePacker#TARGET_BYTES}) still keep 64 on their way.
     */
    static final long WINDOW_BYTES = 16L << 20;

    /** Told of each acknowledged message, in publishing order. */
    @FunctionalInterface
    interface Acknowledged {
        void acked(MessagePacker.Packed packed, PublishAck ack);
    }

    private final JetStream js;
    private final String subject;
    private final long nodeId;
    private final boolean compress;
    private final long ackTimeoutSeconds;
    private final Acknowledged onAck;
    private final Deque<Inflight> inflight = new ArrayDeque<>();
    private long inflightBytes;

    PublishWindow(JetStream js, String subject, long nodeId, boolean compress, long ackTimeoutSeconds, Acknowledged onAck) {
        this.js = js;
        this.subject = subject;
        this.nodeId = nodeId;
        this.compress = compress;
        this.ackTimeoutSeconds = ackTimeoutSeconds;
        this.onAck = onAck;
    }

    void send(MessagePacker.Packed p) throws IOException, InterruptedException {
        byte[] data = WireFormat.encode(p.batch(), compress);
        Headers h = new Headers();
        // The id names exactly the rows inside (clock values are unique), so JetStream drops a resend of the
        // same message but never a different one that merely starts at the same change.
        h.put("Nats-Msg-Id", nodeId + "-" + p.batch().group() + "-" + p.batch().chunk() + "-" + p.last().version());
        send(new Unacked(NatsMessage.builder().subject(subject).headers(h).data(data).build(), p, data.length));
    }

    /** Sends again, as it was, a message whose acknowledgement did not come (see {@link #unacked}). */
    void send(Unacked u) throws IOException, InterruptedException {
        inflight.addLast(new Inflight(js.publishAsync(u.message), u));
        inflightBytes += u.bytes;
        while (inflight.size() >= WINDOW || (inflightBytes >= WINDOW_BYTES && inflight.size() > 1)) {
            settle();
        }
    }

    /** Waits for every acknowledgement still due. */
    void settleAll() throws IOException, InterruptedException {
        while (!inflight.isEmpty()) {
            settle();
        }
    }

    /**
     * After a failure: the messages sent and not acknowledged, the failed one first, in order. Some may have landed
     * (an acknowledgement lost in a failover): sent again byte for byte, JetStream drops them by their id, whereas a
     * message packed anew from the log would start at the same change but hold more rows (and, for rows stamped
     * since, other versions), and the stream would carry those rows twice (the change feed emitted them twice).
     */
    List<Unacked> unacked() {
        List<Unacked> out = new ArrayList<>();
        for (Inflight f : inflight) {
            out.add(f.unacked);
        }
        return out;
    }

    private void settle() throws InterruptedException, IOException {
        Inflight f = inflight.peekFirst();
        try {
            PublishAck ack = f.future.get(ackTimeoutSeconds, TimeUnit.SECONDS);
            if (ack.hasError()) {
                throw new IOException("JetStream refused the message: " + ack.getError());
            }
            inflight.pollFirst();
            inflightBytes -= f.unacked.bytes;
            onAck.acked(f.unacked.packed, ack);
        } catch (ExecutionException e) {
            throw new IOException("publish failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("no acknowledgement from JetStream within " + ackTimeoutSeconds + " s");
        }
    }

    /** A message as sent, with what it carries. */
    record Unacked(Message message, MessagePacker.Packed packed, int bytes) {
    }

    private record Inflight(CompletableFuture<PublishAck> future, Unacked unacked) {
    }
}
