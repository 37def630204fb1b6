package io.marmot.publish;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The stream sequences of this node's own messages, from the publisher's acknowledgements, until the applier has
 * read past them. A stream delivers a node its own messages too; when some leave the stream unread they are no
 * loss, and only the others make a gap. Kept in memory as ranges (one range while the node writes alone).
 */
public final class OwnMessages {
    private final Map<String, TreeMap<Long, Long>> ranges = new java.util.HashMap<>();

    synchronized void published(String stream, long seq) {
        TreeMap<Long, Long> r = ranges.computeIfAbsent(stream, s -> new TreeMap<>());
        Map.Entry<Long, Long> before = r.floorEntry(seq);
        if (before != null && before.getValue() >= seq - 1) {
            r.put(before.getKey(), Math.max(before.getValue(), seq));
        } else {
            r.put(seq, seq);
        }
        Map.Entry<Long, Long> merged = r.floorEntry(seq);
        Long next = r.higherKey(merged.getKey());
        if (next != null && next <= merged.getValue() + 1) {
            r.put(merged.getKey(), Math.max(merged.getValue(), r.remove(next)));
        }
    }

    /** The parts of [first, last] that are not this node's own messages. */
    public synchronized List<long[]> foreignParts(String stream, long first, long last) {
        List<long[]> out = new ArrayList<>();
        TreeMap<Long, Long> r = ranges.get(stream);
        long from = first;
        if (r != null) {
            Map.Entry<Long, Long> e = r.floorEntry(first);
            if (e == null || e.getValue() < first) {
                e = r.higherEntry(first);
            }
            while (e != null && e.getKey() <= last) {
                if (e.getKey() > from) {
                    out.add(new long[] {from, e.getKey() - 1});
                }
                from = Math.max(from, e.getValue() + 1);
                e = r.higherEntry(e.getKey());
            }
        }
        if (from <= last) {
            out.add(new long[] {from, last});
        }
        return out;
    }

    /**
     * Whether every own message this node knows of lies at or below the position stored for its stream, a stream with
     * none stored counting as read nowhere: a node whose applier has not yet stored a position where it published has
     * not read its own messages back either (its digest, judged settled, made a peer that had not applied them look
     * diverged: 10,000 databases opened at once, appliers failing to open files for a while).
     */
    public synchronized boolean allHandled(Map<String, Long> positions) {
        for (Map.Entry<String, TreeMap<Long, Long>> e : ranges.entrySet()) {
            if (!e.getValue().isEmpty() && e.getValue().lastEntry().getValue() > positions.getOrDefault(e.getKey(), 0L)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The stream was deleted and created anew: the sequences this node published into its previous incarnation
     * mean nothing in the new one (kept, they would make this node wait forever to read them back, and its
     * verification digests never settle, so a divergence caused by the lost store would go unseen).
     */
    public synchronized void forgetStream(String stream) {
        ranges.remove(stream);
    }

    /** The applier handled the stream up to seq: what lies below is no longer needed. */
    public synchronized void forgetUpTo(String stream, long seq) {
        TreeMap<Long, Long> r = ranges.get(stream);
        if (r == null) {
            return;
        }
        while (!r.isEmpty() && r.firstEntry().getValue() <= seq) {
            r.pollFirstEntry();
        }
    }
}
