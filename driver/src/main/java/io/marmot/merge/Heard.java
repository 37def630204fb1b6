package io.marmot.merge;

import io.marmot.wire.RowChange;
import java.util.ArrayList;
import java.util.List;

/** What change listeners hear of one applied transaction, built as its changes are merged. */
final class Heard {
    private Heard() {
    }

    /**
     * The changes heard so far, given what change {@code index} of {@code sent} did: {@code written} stays null while
     * each took effect as sent; a list of its own is made once one did not (null {@code visible}: nothing).
     */
    static List<RowChange> add(List<RowChange> sent, List<RowChange> written, int index, RowChange visible) {
        if (written == null) {
            if (visible == sent.get(index)) {
                return null;
            }
            written = new ArrayList<>(sent.subList(0, index));
        }
        if (visible != null) {
            written.add(visible);
        }
        return written;
    }
}
