package io.marmot.replication;

import io.marmot.config.MarmotConfig;
import io.marmot.wire.ChangeBatch;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies row changes that did not arrive through a stream (the rows of a snapshot merged into a live database)
 * through the applier's own writer, so they meet exactly the rule received changes meet: applied only when newer
 * than the version the row holds, local changes folded first, not captured again, the clock raised past them.
 */
public final class MergeWriter implements AutoCloseable {
    private final VersionCheckedWriter writer;

    /** What one call applied: rows written, rows older than what the database holds, and why others could not be. */
    public record Result(int applied, int stale, List<String> rejections) {
    }

    public MergeWriter(Connection db, long nodeId, MarmotConfig config) throws SQLException {
        this.writer = new VersionCheckedWriter(db, nodeId, config);
    }

    /** Applies the batches in one transaction, each batch whole or not at all (under its own savepoint). */
    public Result apply(List<ChangeBatch> batches) throws SQLException {
        List<List<ChangeBatch>> groups = new ArrayList<>(batches.size());
        for (ChangeBatch b : batches) {
            groups.add(List.of(b));
        }
        int applied = 0;
        int stale = 0;
        List<String> rejections = new ArrayList<>();
        for (VersionCheckedWriter.Outcome o : writer.apply(groups, (db, outcomes) -> { })) {
            if (o.rejected()) {
                rejections.add(o.rejection());
            } else {
                applied += o.applied();
                stale += o.stale();
            }
        }
        return new Result(applied, stale, rejections);
    }

    @Override
    public void close() throws SQLException {
        writer.close();
    }
}
