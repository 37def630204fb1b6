package io.marmot.apply;

import io.marmot.merge.ConflictRecord;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The applier's own tables, made when missing. Its parts make them too, on first use; made in a starting node's set-up
 * transaction instead, they do not change the schema after the start, so the schema watcher's first look, which
 * follows any change made since the set-up, has nothing to follow.
 */
public final class ApplierTables {
    private ApplierTables() {
    }

    public static void create(Connection db) throws SQLException {
        ReceivedPositions.createTable(db);
        MissedMessages.create(db);
        ParkedMessages.createTable(db);
        OwnHistory.createTable(db);
        SchemaApplier.createTable(db);
        ConflictRecord.create(db);
    }
}
