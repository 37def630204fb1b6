package io.marmot.apply;

/**
 * How far this node has handled one stream, as stored with its rows: every message up to {@code seq} is applied,
 * parked, recorded as missed, or needed nothing. {@code created} (the stream's creation time) and {@code stamp}
 * (the server's timestamp of the message at {@code seq}) identify the stream, so one deleted and created anew is
 * recognised whatever its sequence numbers; {@code tail} is the highest sequence the stream was seen to hold.
 * Times are epoch nanoseconds, 0 when unknown.
 */
record StreamPosition(long seq, long created, long stamp, long tail) {
    static final StreamPosition NONE = new StreamPosition(0, 0, 0, 0);

    StreamPosition withSeq(long newSeq, long newStamp) {
        return new StreamPosition(newSeq, created, newStamp, Math.max(tail, newSeq));
    }
}
