package io.marmot.wire;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts the chunks of transactions too large for one message back together by their numbers, whatever order they
 * arrive in. The publisher sends chunks without waiting and, after a failure, sends again what was not acknowledged:
 * a chunk the stream refused (full, a server briefly gone) lands after chunks sent behind it. Read in arrival order,
 * such a group was lost until verification repaired it.
 *
 * <p>Publications of one group agree chunk by chunk: a group starts at a transaction's start (its id is that change's
 * clock value) and the packer cuts the same changes the same way, except where one publication ended the group early
 * (a pass stops between two transactions) with a shorter last chunk. So chunks of two publications may be combined,
 * and a group is complete at the lowest-numbered last chunk held once every number below it is held too. A chunk
 * whose number is held replaces it (the later publication); a second chunk 0 restarts the group (published again
 * from its start); a whole message with the group's id ends it (published again, ending earlier); chunks of a group
 * already complete from its last chunk's number on are the rest of a publication that went further ({@link
 * #continues}).
 *
 * <p>A group that lacks chunks holds back stream positions ({@link #lowestSeq}). One whose missing chunks do not
 * come with the next {@value #PATIENCE} messages of its node is given up: a live publisher sends a refused chunk again
 * before most of what follows it (at most its window of 256 messages goes ahead of it per failed try), while one that
 * restarted published the group again from a restart point before it, possibly cut differently (another id).
 */
public final class ChunkedGroups {
    /** Messages of a group's node, after its last chunk arrived, before the group is given up. */
    public static final int PATIENCE = 1024;

    /** One chunk and the stream sequence of the message that carried it. */
    public record Chunk(long seq, ChangeBatch batch) {
    }

    /**
     * Hears of each group given up and each late copy dropped, for the reader's log: a group given up was, as far as
     * can be told, published again in other messages by its restarted writer.
     */
    @FunctionalInterface
    public interface Dropped {
        /** {@code givenUp}: the group's missing chunks never came (else a late copy of a chunk was dropped). */
        void dropped(long origin, long group, boolean givenUp, String reason);
    }

    private record Key(long origin, long group) {
    }

    private static final class Waiting {
        final TreeMap<Integer, Chunk> chunks = new TreeMap<>();
        /** The number of its first chunk: 0, or where it continues a group already complete ({@link #continues}). */
        int first;
        /** Messages of the group's node read since its last chunk arrived. */
        int since;

        Waiting(int first) {
            this.first = first;
        }
    }

    /** A group completed here: its last chunk's number, size and last change's version. */
    private record Completed(int lastChunk, int lastSize, long lastVersion) {
        static Completed of(ChangeBatch last) {
            List<RowChange> changes = last.changes();
            return new Completed(last.chunk(), changes.size(),
                    changes.isEmpty() ? 0 : changes.get(changes.size() - 1).version());
        }
    }

    /** How many completed groups are remembered for {@link #continues}: the writer's window may follow one with more. */
    private static final int COMPLETED_KEPT = 64;

    private final Dropped onDrop;
    private final Map<Key, Waiting> pending = new LinkedHashMap<>();
    /** Per node, the highest group completed or given up here: a chunk of it after that is no new group. */
    private final Map<Long, Long> ended = new HashMap<>();
    private final Map<Key, Completed> completed = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Completed> eldest) {
            return size() > COMPLETED_KEPT;
        }
    };

    public ChunkedGroups(Dropped onDrop) {
        this.onDrop = onDrop;
    }

    /**
     * Adds the message at {@code seq}; returns the chunks of the group it completed in their order (a whole message
     * alone), else null.
     */
    public List<Chunk> add(long seq, ChangeBatch batch) {
        List<Chunk> out;
        if (batch.isWhole()) {
            if (!pending.isEmpty() && pending.remove(new Key(batch.origin(), batch.group())) != null) {
                ended(batch.origin(), batch.group()); // published again, ending before the chunks held went on
            }
            out = List.of(new Chunk(seq, batch));
        } else {
            out = addChunk(seq, batch);
        }
        if (!pending.isEmpty()) {
            giveUpStale(batch.origin());
        }
        return out;
    }

    private List<Chunk> addChunk(long seq, ChangeBatch batch) {
        Key key = new Key(batch.origin(), batch.group());
        int index = batch.chunk();
        Waiting w = pending.get(key);
        if (w == null) {
            Long end = ended.get(key.origin);
            int first = 0;
            if (index > 0 && end != null && key.group <= end) {
                first = continues(key, batch);
                if (first < 0) {
                    onDrop.dropped(key.origin, key.group, false, "chunk " + index + " came after the group was complete or"
                            + " given up: dropped (a late copy)");
                    return null;
                }
            }
            w = new Waiting(first);
            pending.put(key, w);
        } else if (index == 0 && (w.first > 0 || w.chunks.containsKey(0))) {
            w.chunks.clear(); // published again from its start (its writer restarted)
            w.first = 0;
        } else if (index < w.first) {
            onDrop.dropped(key.origin, key.group, false, "chunk " + index + " came after the group was complete: dropped"
                    + " (a late copy)");
            return null;
        }
        w.chunks.put(index, new Chunk(seq, batch));
        w.since = -1; // giveUpStale counts this message too
        List<Chunk> group = complete(w);
        if (group == null) {
            return null;
        }
        pending.remove(key);
        ended(key.origin, key.group);
        completed.put(key, Completed.of(group.get(group.size() - 1).batch()));
        return group;
    }

    /**
     * Where a chunk of a group already complete here continues it, or -1. A pass that stopped between two transactions
     * ends its group early with a shorter last chunk; when its writer is killed before the acknowledgement, the next
     * publication of the group goes past that point, its first chunks (identical, with the same ids) dropped by
     * JetStream as duplicates: what arrives is its chunks from the completed one's last number on. Taken as a group
     * of their own they carry the rest of the transaction the completed group ended with (applied again, a no-op) and
     * the transactions after it, which were lost otherwise. A chunk below that number, or a copy of the last chunk
     * itself (same number, last, same size and last version), is a late copy.
     */
    private int continues(Key key, ChangeBatch batch) {
        Completed c = completed.get(key);
        if (c == null || batch.chunk() < c.lastChunk) {
            return -1;
        }
        List<RowChange> changes = batch.changes();
        boolean copy = batch.chunk() == c.lastChunk && batch.last() && changes.size() == c.lastSize
                && (changes.isEmpty() || changes.get(changes.size() - 1).version() == c.lastVersion);
        return copy ? -1 : c.lastChunk;
    }

    /** The chunks up to the lowest-numbered last one, when none below it is missing; else null. */
    private static List<Chunk> complete(Waiting w) {
        List<Chunk> out = new ArrayList<>();
        int expected = w.first;
        for (Map.Entry<Integer, Chunk> e : w.chunks.entrySet()) {
            if (e.getKey() != expected) {
                return null;
            }
            out.add(e.getValue());
            if (e.getValue().batch().last()) {
                return out;
            }
            expected++;
        }
        return null;
    }

    private void giveUpStale(long origin) {
        for (Iterator<Map.Entry<Key, Waiting>> it = pending.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Key, Waiting> e = it.next();
            if (e.getKey().origin == origin && ++e.getValue().since > PATIENCE) {
                it.remove();
                ended(origin, e.getKey().group);
                onDrop.dropped(origin, e.getKey().group, true, "given up: " + missing(e.getValue())
                        + " still missing after "
                        + PATIENCE + " more messages of its node (its writer restarted and published the rows again"
                        + " in other groups?)");
            }
        }
    }

    private static String missing(Waiting w) {
        List<Integer> gaps = new ArrayList<>();
        int top = w.chunks.lastKey();
        for (int i = w.first; i <= top && gaps.size() < 10; i++) {
            if (!w.chunks.containsKey(i)) {
                gaps.add(i);
            }
        }
        String after = w.chunks.lastEntry().getValue().batch().last() ? "" : "the chunks after " + top;
        return gaps.isEmpty() ? after : "chunks " + gaps + (after.isEmpty() ? "" : " and " + after);
    }

    private void ended(long origin, long group) {
        ended.merge(origin, group, Math::max);
    }

    /** The lowest stream sequence of a chunk held for a group not complete; Long.MAX_VALUE when none waits. */
    public long lowestSeq() {
        long lowest = Long.MAX_VALUE;
        for (Waiting w : pending.values()) {
            for (Chunk c : w.chunks.values()) {
                lowest = Math.min(lowest, c.seq());
            }
        }
        return lowest;
    }

    /** Whether a group waits for chunks. */
    public boolean isEmpty() {
        return pending.isEmpty();
    }
}
