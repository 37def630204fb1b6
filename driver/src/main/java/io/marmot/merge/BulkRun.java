package io.marmot.merge;

import io.marmot.clock.RowKey;
import io.marmot.wire.RowChange;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/** Where a run of changes that may be applied in bulk ends ({@link BulkInserts}, {@link BulkChanges}). */
final class BulkRun {
    /** Shorter runs go one by one: the savepoint would cost what the statements save. */
    static final int MIN_RUN = 4;

    private BulkRun() {
    }

    /**
     * The row keys of the changes from {@code from} on, as long as {@code alike} accepts them and no key comes twice
     * (a second change of a row needs the first one's outcome).
     */
    static List<byte[]> keys(List<RowChange> changes, int from, Predicate<RowChange> alike) {
        List<byte[]> keys = new ArrayList<>();
        Set<ByteBuffer> seen = new HashSet<>();
        for (int i = from; i < changes.size() && alike.test(changes.get(i)); i++) {
            byte[] key = RowKey.of(changes.get(i).key());
            if (!seen.add(ByteBuffer.wrap(key))) {
                break;
            }
            keys.add(key);
        }
        return keys;
    }
}
