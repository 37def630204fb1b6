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
    private static final int SLICE = 250;
    private final VersionCheckedWriter writer;

    /** What one call applied: rows written, rows older than what the database holds, and why others could not be. */
    public record Result(int applied, int stale, List<String> rejections) {
    }

    public MergeWriter(Connection db, long nodeId, MarmotConfig config) throws SQLException {
        this.writer = new VersionCheckedWriter(db, nodeId, config);
    }

    /**
     * Applies the batches in one transaction, each batch whole or not at all. Batches go under a savepoint a slice at a
     * time (one per batch would cost more than the writes); a slice that fails is applied again batch by batch in
     * a second transaction, so one bad row costs only itself.
     */
    public Result apply(List<ChangeBatch> batches) throws SQLException {
        List<List<ChangeBatch>> slices = new ArrayList<>();
        for (int i = 0; i < batches.size(); i += SLICE) {
            slices.add(batches.subList(i, Math.min(batches.size(), i + SLICE)));
        }
        int applied = 0;
        int stale = 0;
        List<String> rejections = new ArrayList<>();
        List<List<ChangeBatch>> oneByOne = new ArrayList<>();
        List<VersionCheckedWriter.Outcome> outcomes = writer.apply(slices, (db, o) -> { });
        for (int i = 0; i < outcomes.size(); i++) {
            VersionCheckedWriter.Outcome o = outcomes.get(i);
            if (o.rejected()) {
                slices.get(i).forEach(b -> oneByOne.add(List.of(b)));
            } else {
                applied += o.applied();
                stale += o.stale();
            }
        }
        if (!oneByOne.isEmpty()) {
            for (VersionCheckedWriter.Outcome o : writer.apply(oneByOne, (db, os) -> { })) {
                if (o.rejected()) {
                    rejections.add(o.rejection());
                } else {
                    applied += o.applied();
                    stale += o.stale();
                }
            }
        }
        return new Result(applied, stale, rejections);
    }

    @Override
    public void close() throws SQLException {
        writer.close();
    }
}
