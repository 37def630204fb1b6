package io.marmot.clock;

/**
 * A column whose last write is newer than its row's insert: the stamp of that write. On a deleted (or not yet
 * inserted) row the claim is <em>latent</em> and keeps the written value aside, to show if an older insert revives
 * the row; a claim older than the row's insert or delete is dropped.
 */
public record ColumnClaim(String column, Stamp stamp, boolean latent, Object value) {
    static ColumnClaim visible(String column, Stamp stamp) {
        return new ColumnClaim(column, stamp, false, null);
    }

    static ColumnClaim latent(String column, Stamp stamp, Object value) {
        return new ColumnClaim(column, stamp, true, value);
    }
}
