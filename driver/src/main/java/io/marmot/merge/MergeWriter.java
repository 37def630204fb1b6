package io.marmot.merge;

import io.marmot.config.MarmotConfig;
import io.marmot.replication.ReplicationCounters;
import io.marmot.wire.Transaction;
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

    /** @param writers what the engine's writers of row versions share (its collector of changed keys) */
    public MergeWriter(Connection db, long nodeId, MarmotConfig config, io.marmot.clock.VersionWriters writers) throws SQLException {
        this.writer = new VersionCheckedWriter(db, nodeId, config, new ReplicationCounters(), null, writers);
    }

    /**
     * Applies the transactions in one SQLite transaction, each whole or not at all (under its own savepoint); one
     * that fails is applied again change by change in a second transaction, so one bad row costs only itself.
     */
    public Result apply(List<Transaction> transactions) throws SQLException {
        int applied = 0;
        int stale = 0;
        List<String> rejections = new ArrayList<>();
        List<Transaction> oneByOne = new ArrayList<>();
        List<VersionCheckedWriter.Outcome> outcomes = writer.apply(transactions, (db, o) -> { });
        for (int i = 0; i < outcomes.size(); i++) {
            VersionCheckedWriter.Outcome o = outcomes.get(i);
            if (o.rejected()) {
                Transaction t = transactions.get(i);
                t.changes().forEach(ch -> oneByOne.add(new Transaction(t.origin(), List.of(ch))));
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

    /** Set-based writes of rows with their versions, given the transaction; returns the newest version written. */
    @FunctionalInterface
    public interface Bulk {
        long run(Connection db) throws SQLException;
    }

    /**
     * Runs set-based writes (rows copied with their versions) in one transaction, as the writer applies changes:
     * local changes folded first, not captured (the log rows the triggers wrote are deleted), the clock raised past
     * the newest version written. A failure rolls the whole transaction back.
     */
    public void applyBulk(Bulk work) throws SQLException {
        writer.applyBulk(work::run);
    }

    @Override
    public void close() throws SQLException {
        writer.close();
    }
}
