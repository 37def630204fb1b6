package io.marmot.apply;

/**
 * Where the applier is in one stream, in memory: the highest sequence handled (everything up to it applied,
 * parked, recorded missed or needing nothing) and whether the feed was just (re)started right after it. A feed
 * delivers in stream order and skips only messages the stream no longer holds, so the first message of a fresh
 * feed tells exactly which messages are gone; a jump anywhere else is a delivery hiccup and is read again.
 */
final class StreamCursor {
    enum Arrival {
        /** Already handled (a redelivery after a restart of the feed). */
        DUPLICATE,
        /** The next message. */
        NEXT,
        /** The first message of a fresh feed, after messages the stream no longer holds: they are gone. */
        AFTER_GONE,
        /** A jump in a running feed: read again from the position. */
        JUMP
    }

    private StreamPosition position;
    private long handled;
    private long handledStamp;
    private long tail;
    private boolean fresh;

    StreamCursor(StreamPosition position) {
        this.position = position;
        this.handled = position.seq();
        this.handledStamp = position.stamp();
        this.tail = position.tail();
    }

    /** A feed starts right after {@code seq} (which must be at most what was handled). */
    void restartAfter(long seq, long stamp) {
        handled = seq;
        handledStamp = stamp;
        fresh = true;
    }

    Arrival classify(long seq) {
        if (seq <= handled) {
            return Arrival.DUPLICATE;
        }
        boolean wasFresh = fresh;
        if (seq == handled + 1) {
            fresh = false;
            return Arrival.NEXT;
        }
        if (wasFresh) {
            fresh = false;
            return Arrival.AFTER_GONE;
        }
        return Arrival.JUMP;
    }

    /** @param streamTail the highest sequence the stream held when it delivered this message */
    void handled(long seq, long stamp, long streamTail) {
        handled = seq;
        handledStamp = stamp;
        tail = Math.max(tail, Math.max(streamTail, seq));
    }

    /** The highest sequence the stream was seen to hold. */
    long tail() {
        return tail;
    }

    long handled() {
        return handled;
    }

    long handledStamp() {
        return handledStamp;
    }

    /** The position as last stored (or to be stored). */
    StreamPosition position() {
        return position;
    }

    void stored(StreamPosition p) {
        position = p;
    }

    /** Messages the stream holds beyond what was handled. */
    long backlog() {
        return Math.max(0, tail - handled);
    }
}
