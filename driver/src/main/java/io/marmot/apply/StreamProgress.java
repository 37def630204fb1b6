package io.marmot.apply;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The applier's memory of every stream between two commits: a cursor per stream, the transaction groups still
 * waiting for chunks, messages found gone, and feeds that must start again. All of it can be thrown away at any
 * time ({@link #forget}): the stored positions are the truth, this only runs ahead of them.
 */
final class StreamProgress {
    private final long nodeId;
    private final Runnable onGivenUp;
    private final Map<String, StreamCursor> cursors = new HashMap<>();
    private final Set<String> toRestart = new LinkedHashSet<>();
    private final List<Gone> gone = new ArrayList<>();
    private GroupAssembler assembler;

    /** Messages of a stream found gone, to be recorded with the positions that pass them. */
    record Gone(String stream, StreamCheck.Gap gap) {
    }

    /** {@code onGivenUp} hears of each transaction group given up for want of chunks ({@link GroupAssembler}). */
    StreamProgress(long nodeId, Runnable onGivenUp) {
        this.nodeId = nodeId;
        this.onGivenUp = onGivenUp;
        this.assembler = new GroupAssembler(nodeId, onGivenUp);
    }

    StreamCursor cursor(String stream) {
        return cursors.get(stream);
    }

    GroupAssembler assembler() {
        return assembler;
    }

    /** A stream bound anew: its cursor starts right before {@code resumeAt}. */
    void bound(String stream, StreamPosition position, long resumeAt) {
        StreamCursor fresh = new StreamCursor(position);
        fresh.restartAfter(resumeAt - 1, position.seq() == resumeAt - 1 ? position.stamp() : 0);
        cursors.put(stream, fresh);
        assembler.dropStream(stream);
        toRestart.remove(stream);
    }

    /** The position to read a stream from when binding: what this process handled, else what is stored. */
    StreamPosition bindFrom(String stream, StreamPosition stored) {
        StreamCursor cursor = cursors.get(stream);
        return cursor != null ? safePosition(stream, cursor) : stored;
    }

    void mustRestart(String stream) {
        toRestart.add(stream);
    }

    Set<String> toRestart() {
        return toRestart;
    }

    /** The stream's feed starts again after its safe position; returns the sequence to start at. */
    long restart(String stream) {
        StreamCursor cursor = cursors.get(stream);
        StreamPosition p = safePosition(stream, cursor);
        assembler.dropStream(stream);
        cursor.restartAfter(p.seq(), p.stamp());
        toRestart.remove(stream);
        return p.seq() + 1;
    }

    void gone(String stream, StreamCheck.Gap gap) {
        gone.add(new Gone(stream, gap));
    }

    List<Gone> gone() {
        return gone;
    }

    /** Positions that moved since they were last stored. */
    Map<String, StreamPosition> positionsToStore() {
        Map<String, StreamPosition> out = new HashMap<>();
        for (Map.Entry<String, StreamCursor> e : cursors.entrySet()) {
            StreamPosition p = safePosition(e.getKey(), e.getValue());
            if (!p.equals(e.getValue().position())) {
                out.put(e.getKey(), p);
            }
        }
        return out;
    }

    /** The positions are committed (and the gaps with them). */
    void stored(Map<String, StreamPosition> written) {
        written.forEach((stream, p) -> cursors.get(stream).stored(p));
        gone.clear();
    }

    long backlog() {
        long n = 0;
        for (StreamCursor c : cursors.values()) {
            n += c.backlog();
        }
        return n;
    }

    /** Drops everything not committed. */
    void forget() {
        cursors.clear();
        toRestart.clear();
        gone.clear();
        assembler = new GroupAssembler(nodeId, onGivenUp);
    }

    /** What handled, held back before groups still waiting for chunks. */
    private StreamPosition safePosition(String stream, StreamCursor cursor) {
        long seq = assembler.holdBack(stream, cursor.handled());
        long stamp = seq == cursor.handled() ? cursor.handledStamp() : 0;
        StreamPosition stored = cursor.position();
        return new StreamPosition(seq, stored.created(), stamp, Math.max(cursor.tail(), seq));
    }
}
