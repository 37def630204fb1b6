package io.marmot.feed;

import java.util.Map;
import java.util.TreeMap;

/**
 * How far the change feed got in each change stream, written on every feed message so that whoever emits next (this
 * node after a restart, or another node that took the lease over) goes on exactly where the feed's last stored message
 * says: per shard, the sequence to read again from (the first message of a transaction group not yet complete or not
 * yet wholly emitted) and the last row emitted (the sequence of the message that completed its group, and the row's
 * index in that group).
 */
record FeedPosition(Map<Integer, Shard> shards) {
    static final String HEADER = "Marmot-Feed-Position";

    FeedPosition {
        shards = Map.copyOf(shards);
    }

    /** @param readFrom the next message to read; {@code doneSeq}/{@code doneRow}: the last row emitted (0/-1: none) */
    record Shard(long readFrom, long doneSeq, int doneRow) {
        static final Shard START = new Shard(1, 0, -1);

        /** Whether the row {@code row} of the group completed at {@code seq} was emitted already. */
        boolean emitted(long seq, int row) {
            return seq < doneSeq || (seq == doneSeq && row <= doneRow);
        }
    }

    static FeedPosition start() {
        return new FeedPosition(Map.of());
    }

    Shard shard(int shard) {
        return shards.getOrDefault(shard, Shard.START);
    }

    /** {@code 1:120:118:3,2:7:6:0} — shard:readFrom:doneSeq:doneRow, by shard. */
    String format() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<Integer, Shard> e : new TreeMap<>(shards).entrySet()) {
            if (b.length() > 0) {
                b.append(',');
            }
            Shard s = e.getValue();
            b.append(e.getKey()).append(':').append(s.readFrom).append(':').append(s.doneSeq).append(':').append(s.doneRow);
        }
        return b.toString();
    }

    /** Reads {@link #format()}'s text; anything else is an error naming the text. */
    static FeedPosition parse(String text) {
        Map<Integer, Shard> out = new TreeMap<>();
        if (text == null || text.isBlank()) {
            return new FeedPosition(out);
        }
        for (String part : text.split(",")) {
            String[] f = part.trim().split(":");
            try {
                if (f.length != 4) {
                    throw new NumberFormatException();
                }
                out.put(Integer.parseInt(f[0]), new Shard(Long.parseLong(f[1]), Long.parseLong(f[2]),
                        Integer.parseInt(f[3])));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("unreadable " + HEADER + " '" + text + "'", e);
            }
        }
        return new FeedPosition(out);
    }
}
