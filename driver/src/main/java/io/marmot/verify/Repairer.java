package io.marmot.verify;

import io.marmot.clock.VersionWriters;
import io.marmot.clock.RowKey;
import io.marmot.config.MarmotConfig;
import io.marmot.listen.ChangeListeners;
import io.nats.client.Connection;
import io.nats.client.Message;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy, second half: a table found different from a peer's is narrowed down and repaired from the peer's
 * rows. This node asks the peer (request and reply, {@link RepairRequests}, answered by its {@link RepairResponder})
 * for its ranges' hashes, then for the row hashes of the ranges that differ, then for the rows that differ, each with
 * what last-writer-wins remembers of it (the row's stamp, its column claims, its tombstone); a row too large for one
 * reply comes in parts. {@link RepairWriter} writes them (the peer does the same with this node's rows). Only this
 * node's database is written, in short transactions; every range repaired is logged with its table and keys.
 */
final class Repairer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Repairer.class);
    /** Ranges and rows one pass narrows and repairs at most: the rest waits for the next round. */
    static final int MAX_RANGES = 256;
    static final int MAX_ROWS = 20_000;
    private static final int RANGES_PAGE = 20_000;
    private static final int RANGES_PER_REQUEST = 8;
    private static final int SLICE = 250;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** What one pass found and did. */
    record Pass(long different, long repaired, long settled, long bytes) {
    }

    private final long nodeId;
    private final String subjectPrefix;
    private final RepairWriter writer;
    private long bytes;

    Repairer(long nodeId, Path database, MarmotConfig config, ChangeListeners listeners, VersionWriters writers) {
        this.nodeId = nodeId;
        this.subjectPrefix = subjectPrefix(config);
        this.writer = new RepairWriter(nodeId, database, config, listeners, writers);
    }

    static String subjectPrefix(MarmotConfig config) {
        return config.streams().streamPrefix() + "-repair.";
    }

    /** One pass over one table: narrows the difference with {@code peer} and repairs what it finds, within bounds. */
    Pass repair(Connection nc, long peer, TableHashes local, TreeMap<Long, long[]> mine)
            throws IOException, SQLException, InterruptedException {
        bytes = 0;
        String table = local.table();
        String shape = local.shape();
        String subject = subjectPrefix + peer;
        TreeMap<Long, long[]> theirs = new TreeMap<>();
        long after = 0;
        for (boolean first = true;; first = false) {
            RepairCodec.Ranges page = RepairCodec.readRanges(ask(nc, subject,
                    RepairRequests.ranges(table, shape, after, first, RANGES_PAGE)));
            for (RepairCodec.Range r : page.ranges()) {
                theirs.put(r.id(), new long[] {r.count(), r.sum()});
                after = r.id();
            }
            if (!page.more() || page.ranges().isEmpty()) {
                break;
            }
        }
        TreeSet<Long> ids = new TreeSet<>(mine.keySet());
        ids.addAll(theirs.keySet());
        List<Long> differing = new ArrayList<>();
        for (long id : ids) {
            if (!Arrays.equals(mine.get(id), theirs.get(id)) && differing.size() < MAX_RANGES) {
                differing.add(id);
            }
        }
        // Keys whose rows differ, by range.
        Map<Long, List<byte[]>> keysByRange = new LinkedHashMap<>();
        Map<ByteBuffer, TableHashes.Row> localRows = new java.util.HashMap<>();
        int keyCount = 0;
        for (int i = 0; i < differing.size() && keyCount < MAX_ROWS; i += RANGES_PER_REQUEST) {
            List<Long> chunk = differing.subList(i, Math.min(differing.size(), i + RANGES_PER_REQUEST));
            Map<ByteBuffer, Long> theirHashes = new java.util.HashMap<>();
            for (int done = 0; done < chunk.size();) {
                RepairCodec.Hashes h = RepairCodec.readHashes(ask(nc, subject,
                        RepairRequests.hashes(table, shape, chunk.subList(done, chunk.size()))));
                h.rows().forEach(k -> theirHashes.put(ByteBuffer.wrap(k.key()), k.hash()));
                done += Math.max(1, h.answered());
            }
            Map<ByteBuffer, TableHashes.Row> ours = new java.util.HashMap<>();
            for (TableHashes.Row r : writer.rowsIn(local, chunk)) {
                ours.put(ByteBuffer.wrap(r.key()), r);
            }
            java.util.Set<ByteBuffer> keys = new java.util.LinkedHashSet<>(ours.keySet());
            keys.addAll(theirHashes.keySet());
            for (ByteBuffer k : keys) {
                TableHashes.Row row = ours.get(k);
                Long hash = theirHashes.get(k);
                if (row != null && hash != null && row.hash() == hash) {
                    continue;
                }
                if (keyCount++ >= MAX_ROWS) {
                    break;
                }
                byte[] key = k.array();
                Object[] keyValues = row != null ? row.keyValues() : RowKey.decode(key);
                keysByRange.computeIfAbsent(local.rangeOf(keyValues, key), r -> new ArrayList<>()).add(key);
                if (row != null) {
                    localRows.put(k, row);
                }
            }
        }
        long different = 0;
        long repaired = 0;
        long settled = 0;
        for (Map.Entry<Long, List<byte[]>> e : keysByRange.entrySet()) {
            List<byte[]> keys = e.getValue();
            long[] counts = new long[2];
            for (int i = 0; i < keys.size(); i += SLICE) {
                List<byte[]> slice = keys.subList(i, Math.min(keys.size(), i + SLICE));
                List<RepairCodec.PeerRow> rows = new ArrayList<>(slice.size());
                boolean unfolded = false;
                for (int done = 0; done < slice.size();) {
                    RepairCodec.Rows r = RepairCodec.readRows(ask(nc, subject,
                            RepairRequests.rows(table, shape, slice.subList(done, slice.size()))));
                    for (int k = 0; k < r.rows().size(); k++) {
                        RepairCodec.PeerRow row = r.rows().get(k);
                        rows.add(row.large() ? assemble(nc, subject, local, slice.get(done + k), row) : row);
                    }
                    unfolded |= r.unfolded();
                    done += Math.max(1, r.answered());
                    if (r.answered() == 0) {
                        throw new IOException("node " + peer + " answered none of " + slice.size() + " rows");
                    }
                }
                long[] c = writer.apply(local, slice, rows, localRows, unfolded);
                counts[0] += c[0];
                counts[1] += c[1];
            }
            different += keys.size();
            repaired += counts[0];
            settled += counts[1];
            if (counts[0] + counts[1] > 0) {
                log.warn("{} - repaired table {}, {}: {} row(s) different from node {}, {} repaired, {} settled", nodeId,
                        table, describe(local, e.getKey(), keys), keys.size(), peer, counts[0], counts[1]);
            } else {
                log.info("{} - table {}, {}: {} row(s) different from node {}, none to take from there (it takes this"
                        + " node's)", nodeId, table, describe(local, e.getKey(), keys), keys.size(), peer);
            }
        }
        return new Pass(different, repaired, settled, bytes);
    }

    /**
     * A row too large for one reply, fetched in parts of its encoding. Parts of different versions of the row (it
     * changed meanwhile) do not add up to the announced hash: the pass fails, naming the key, and is tried again.
     */
    private RepairCodec.PeerRow assemble(Connection nc, String subject, TableHashes local, byte[] key,
            RepairCodec.PeerRow announced) throws IOException, InterruptedException {
        byte[] whole = new byte[announced.largeBytes()];
        int at = 0;
        while (at < whole.length) {
            RepairCodec.Part p = RepairCodec.readPart(ask(nc, subject, RepairRequests.part(local.table(), local.shape(), key, at)));
            if (p.total() != whole.length || p.hash() != announced.largeHash() || p.chunk().length == 0
                    || at + p.chunk().length > whole.length) {
                throw new IOException("the row of table " + local.table() + " key " + Arrays.deepToString(RowKey.decode(key))
                        + " (" + whole.length + " bytes, fetched in parts) changed while it was fetched");
            }
            System.arraycopy(p.chunk(), 0, whole, at, p.chunk().length);
            at += p.chunk().length;
        }
        if (Digest.mix(whole) != announced.largeHash()) {
            throw new IOException("the parts of the row of table " + local.table() + " key "
                    + Arrays.deepToString(RowKey.decode(key)) + " do not make the row announced");
        }
        return RepairCodec.readRow(whole);
    }

    private static String describe(TableHashes local, long range, List<byte[]> keys) {
        String which;
        if (!local.byInteger()) {
            which = "hashed key range " + range + " of " + TableHashes.HASHED_RANGES;
        } else if (range == TableHashes.NOT_INTEGER) {
            which = "keys that are not integers";
        } else {
            long lo = range << TableHashes.RANGE_SHIFT;
            which = "key range " + lo + ".." + (lo + TableHashes.RANGE_WIDTH - 1);
        }
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < Math.min(5, keys.size()); i++) {
            shown.add(Arrays.deepToString(RowKey.decode(keys.get(i))));
        }
        return which + " (keys " + String.join(", ", shown) + (keys.size() > 5 ? ", ..." : "") + ")";
    }

    private byte[] ask(Connection nc, String subject, byte[] request) throws IOException, InterruptedException {
        Message m;
        try {
            m = nc.request(subject, request, TIMEOUT);
        } catch (IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (m == null) {
            throw new IOException("no answer on " + subject + " within " + TIMEOUT.toSeconds() + " s");
        }
        if (m.isStatusMessage()) {
            throw new IOException("no answer on " + subject + ": " + m.getStatus());
        }
        bytes += request.length + m.getData().length;
        return m.getData();
    }

    @Override
    public void close() {
        writer.close();
    }
}
