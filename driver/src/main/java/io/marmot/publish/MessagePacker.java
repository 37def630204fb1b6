package io.marmot.publish;

import io.marmot.capture.LogPosition;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.RowChange;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts the stream of logged changes into messages. A message ends only where one change group (transaction)
 * ends, once it reached the target size; a group too large for one message is split into chunks that peers
 * apply together. Sizes are estimates that over-count, so an encoded chunk stays under NATS's default 1 MiB.
 */
final class MessagePacker {
    static final int TARGET_BYTES = 256 << 10;
    static final int CHUNK_BYTES = 768 << 10;

    private final long origin;
    private final List<RowChange> changes = new ArrayList<>();
    private final List<Integer> txStarts = new ArrayList<>();
    private long group;
    private int chunk;
    private long tx; // the log's transaction number (column tx) of the last change added
    private LogPosition last;
    private int bytes;

    MessagePacker(long origin) {
        this.origin = origin;
    }

    /**
     * A packed message, the log position of its last change (the publish watermark once acked) and the log's
     * transaction number of that change.
     */
    record Packed(ChangeBatch batch, LogPosition last, long tx) {
    }

    /**
     * Goes on after {@code sent}, a message sent before (sent again after a failure): when it is a chunk of a larger
     * transaction, the next changes are that transaction's next chunks, not a group of their own starting in its
     * middle (which would leave the earlier chunks' group incomplete for good).
     */
    void continueAfter(Packed sent) {
        if (changes.isEmpty() && !sent.batch().last()) {
            group = sent.batch().group();
            chunk = sent.batch().chunk() + 1;
            tx = sent.tx();
        }
    }

    /** Adds a change; returns the message it completed, if any, to send before this change's. */
    Packed add(long seq, long version, long changeTx, RowChange change) {
        Packed done = null;
        if (!changes.isEmpty()) {
            boolean sameGroup = changeTx == tx;
            if (!sameGroup && bytes >= TARGET_BYTES) {
                done = flush(true);
            } else if (sameGroup && bytes >= CHUNK_BYTES) {
                done = flush(false);
            }
        }
        if (changes.isEmpty() && chunk == 0) {
            group = version;
        }
        if (changes.isEmpty() ? chunk == 0 || changeTx != tx : changeTx != tx) {
            txStarts.add(changes.size());
        }
        changes.add(change);
        tx = changeTx;
        last = new LogPosition(seq, version);
        bytes += estimate(change);
        return done;
    }

    /** Whether the next change would start a new group (a safe place to stop reading). */
    boolean endsGroupBefore(long changeTx) {
        return (changes.isEmpty() && chunk == 0) || changeTx != tx;
    }

    /** The message holding what was added since the last one; null when nothing was. */
    Packed finish() {
        return changes.isEmpty() ? null : flush(true);
    }

    private Packed flush(boolean lastChunk) {
        int[] starts = txStarts.stream().mapToInt(Integer::intValue).toArray();
        Packed p = new Packed(new ChangeBatch(origin, group, chunk, lastChunk, changes, starts), this.last, tx);
        changes.clear();
        txStarts.clear();
        bytes = 0;
        chunk = lastChunk ? 0 : chunk + 1;
        return p;
    }

    static int estimate(RowChange c) {
        int n = 24 + c.table().name().length();
        n += size(c.rowid());
        for (Object v : c.values()) {
            n += size(v);
        }
        return n;
    }

    /** At least the UTF-8 length of s, without encoding it (this runs for every value of every change). */
    private static int utf8Bound(String s) {
        int n = s.length();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                n += 2;
            }
        }
        return n;
    }

    private static int size(Object v) {
        if (v == null) {
            return 1;
        }
        if (v instanceof byte[] b) {
            return 6 + b.length;
        }
        if (v instanceof String s) {
            return 6 + utf8Bound(s);
        }
        return 10;
    }
}
