package io.marmot.wire;

import java.util.List;

/**
 * The content of one message: whole transactions of one node, or one chunk of a transaction too large for
 * one message. Chunks of a group share {@code group} and are applied together once the last has arrived.
 *
 * @param origin the node that wrote the changes
 * @param group the first clock value of the group (with origin, names the group)
 * @param chunk 0-based index of this chunk within its group; 0 for an unsplit message
 * @param last whether this is the group's last chunk (true for an unsplit message)
 */
public record ChangeBatch(long origin, long group, int chunk, boolean last, List<RowChange> changes) {
    public ChangeBatch {
        changes = List.copyOf(changes);
    }

    public boolean isWhole() {
        return chunk == 0 && last;
    }
}
