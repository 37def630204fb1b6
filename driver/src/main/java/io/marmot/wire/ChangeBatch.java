package io.marmot.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * The content of one message: whole transactions of one node, or one chunk of a transaction too large for
 * one message. Chunks of a group share {@code group} and are applied together once the last has arrived.
 *
 * @param origin the node that wrote the changes
 * @param group the first clock value of the group (with origin, names the group)
 * @param chunk 0-based index of this chunk within its group; 0 for an unsplit message
 * @param last whether this is the group's last chunk (true for an unsplit message)
 * @param txStarts indexes into {@code changes} where a transaction begins, ascending; changes before the first
 *     continue the transaction the previous chunk ended with
 */
public record ChangeBatch(long origin, long group, int chunk, boolean last, List<RowChange> changes, int[] txStarts) {
    public ChangeBatch {
        changes = List.copyOf(changes);
        txStarts = txStarts.clone();
    }

    /** A batch holding one transaction. */
    public ChangeBatch(long origin, long group, int chunk, boolean last, List<RowChange> changes) {
        this(origin, group, chunk, last, changes, chunk == 0 && !changes.isEmpty() ? new int[] {0} : new int[0]);
    }

    public boolean isWhole() {
        return chunk == 0 && last;
    }

    /**
     * The transactions of a complete group (its chunks in order), each the changes one node committed together.
     */
    public static List<Transaction> transactions(List<ChangeBatch> chunks) {
        List<List<RowChange>> out = new ArrayList<>();
        List<RowChange> open = null;
        for (ChangeBatch b : chunks) {
            int next = 0;
            for (int i = 0; i < b.changes.size(); i++) {
                if (next < b.txStarts.length && b.txStarts[next] == i) {
                    next++;
                    open = new ArrayList<>();
                    out.add(open);
                } else if (open == null) {
                    open = new ArrayList<>(); // a chunk that continues nothing: treated as its own transaction
                    out.add(open);
                }
                open.add(b.changes.get(i));
            }
        }
        long origin = chunks.isEmpty() ? 0 : chunks.get(0).origin;
        List<Transaction> txs = new ArrayList<>(out.size());
        for (List<RowChange> changes : out) {
            txs.add(new Transaction(origin, changes));
        }
        return txs;
    }
}
