package io.marmot.wire;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Format 2 of change messages; the README's "Wire format" section is its specification. Messages of format 1
 * (earlier versions) are read too: each is one transaction, and its updates carry every column.
 *
 * <pre>
 * message  = format:u8(=2) flags:u8 body crc32c:u32be      flags bit 0: body is deflate-compressed
 * body     = origin:uvarint group:uvarint chunk:uvarint last:u8
 *            tableCount:uvarint table* txCount:uvarint txStart:uvarint* changeCount:uvarint change*
 * table    = name:str columnCount:uvarint str* keyCount:uvarint keyIndex:uvarint*   keyCount 0: keyed by rowid
 * change   = version:uvarint tableIndex:uvarint op:u8 [rowid:value] payload
 * payload  = value* (insert: every column; delete: the key columns)
 *          | value* changedCount:uvarint (columnIndex:uvarint value)*   (update: the key columns, then what changed)
 * value    = 0 (NULL) | 1 zigzag-varint (INTEGER) | 2 u64be IEEE-754 bits (REAL) | 3 str (TEXT) | 4 bytes (BLOB)
 * str      = length:uvarint UTF-8 bytes;  bytes = length:uvarint raw bytes
 * </pre>
 *
 * {@code txStart}s are the indexes of the changes that begin a transaction; changes before the first continue the
 * previous chunk's transaction. The checksum covers everything before it, as sent (after compression).
 */
public final class WireFormat {
    public static final int FORMAT = 2;
    /** The format of earlier versions, still read. */
    public static final int FORMAT_1 = 1;
    private static final int FLAG_DEFLATE = 1;
    /** Larger messages are refused unread; far above what a publisher sends (its chunks stay under 1 MiB). */
    public static final int MAX_MESSAGE_BYTES = 64 << 20;
    private static final int MAX_INFLATED_BYTES = 256 << 20;

    private WireFormat() {
    }

    public static byte[] encode(ChangeBatch batch, boolean compress) {
        // The header first and the checksum after: the message is built in one buffer and copied out once.
        WireWriter body = new WireWriter(256 + 64 * batch.changes().size());
        body.write(FORMAT);
        body.write(0);
        body.uvarint(batch.origin());
        body.uvarint(batch.group());
        body.uvarint(batch.chunk());
        body.write(batch.last() ? 1 : 0);
        Map<TableShape, Integer> tableIndex = new IdentityHashMap<>();
        List<TableShape> tables = new ArrayList<>();
        Map<TableShape, Integer> byValue = new HashMap<>();
        for (RowChange c : batch.changes()) {
            if (!tableIndex.containsKey(c.table())) {
                Integer same = byValue.get(c.table());
                if (same == null) {
                    same = tables.size();
                    tables.add(c.table());
                    byValue.put(c.table(), same);
                }
                tableIndex.put(c.table(), same);
            }
        }
        body.uvarint(tables.size());
        for (TableShape t : tables) {
            body.str(t.name());
            body.uvarint(t.columns().size());
            for (String col : t.columns()) {
                body.str(col);
            }
            body.uvarint(t.keyIndexes().length);
            for (int k : t.keyIndexes()) {
                body.uvarint(k);
            }
        }
        body.uvarint(batch.txStarts().length);
        for (int start : batch.txStarts()) {
            body.uvarint(start);
        }
        body.uvarint(batch.changes().size());
        for (RowChange c : batch.changes()) {
            body.uvarint(c.version());
            body.uvarint(tableIndex.get(c.table()));
            body.write(c.op());
            if (c.table().usesRowid()) {
                body.value(c.rowid());
            }
            if (c.isUpdate()) {
                for (int k : c.table().keyIndexes()) {
                    body.value(c.values()[k]);
                }
                int[] written = c.writtenColumns();
                body.uvarint(written.length);
                for (int i : written) {
                    body.uvarint(i);
                    body.value(c.values()[i]);
                }
            } else {
                for (Object v : c.values()) {
                    body.value(v);
                }
            }
        }
        if (compress) {
            byte[] payload = body.copyFrom(2);
            byte[] deflated = deflate(payload);
            if (deflated.length < payload.length) {
                return sealed(deflated, FLAG_DEFLATE);
            }
        }
        return body.sealed();
    }

    private static byte[] sealed(byte[] payload, int flags) {
        byte[] out = new byte[payload.length + 6];
        out[0] = FORMAT;
        out[1] = (byte) flags;
        System.arraycopy(payload, 0, out, 2, payload.length);
        CRC32C crc = new CRC32C();
        crc.update(out, 0, out.length - 4);
        int sum = (int) crc.getValue();
        out[out.length - 4] = (byte) (sum >>> 24);
        out[out.length - 3] = (byte) (sum >>> 16);
        out[out.length - 2] = (byte) (sum >>> 8);
        out[out.length - 1] = (byte) sum;
        return out;
    }

    public static ChangeBatch decode(byte[] message) throws MalformedMessageException {
        if (message == null || message.length < 6) {
            throw new MalformedMessageException("message too short (" + (message == null ? 0 : message.length) + " bytes)");
        }
        if (message.length > MAX_MESSAGE_BYTES) {
            throw new MalformedMessageException("message of " + message.length + " bytes exceeds " + MAX_MESSAGE_BYTES);
        }
        CRC32C crc = new CRC32C();
        crc.update(message, 0, message.length - 4);
        int end = message.length - 4;
        int expected = ((message[end] & 0xff) << 24) | ((message[end + 1] & 0xff) << 16)
                | ((message[end + 2] & 0xff) << 8) | (message[end + 3] & 0xff);
        if ((int) crc.getValue() != expected) {
            throw new MalformedMessageException("checksum mismatch: message corrupted or truncated");
        }
        int format = message[0] & 0xff;
        if (format != FORMAT && format != FORMAT_1) {
            throw new UnknownFormatException(format); // intact, so written by a newer version, not garbage
        }
        int flags = message[1] & 0xff;
        if ((flags & ~FLAG_DEFLATE) != 0) {
            throw new MalformedMessageException("unknown flags " + flags);
        }
        WireReader in = (flags & FLAG_DEFLATE) != 0 ? new WireReader(inflate(java.util.Arrays.copyOfRange(message, 2, end)))
                : new WireReader(message, 2, end); // read in place: the body is most of the message
        long origin = in.uvarint();
        long group = in.uvarint();
        int chunk = in.count("chunk index", Integer.MAX_VALUE);
        int last = in.u8();
        if (last > 1) {
            throw new MalformedMessageException("last-chunk flag " + last);
        }
        int tableCount = in.count("table count", in.remaining());
        List<TableShape> tables = new ArrayList<>(tableCount);
        for (int t = 0; t < tableCount; t++) {
            String name = in.str();
            int columnCount = in.count("column count", in.remaining());
            List<String> columns = new ArrayList<>(columnCount);
            for (int i = 0; i < columnCount; i++) {
                columns.add(in.str());
            }
            int keyCount = in.count("key count", columnCount);
            int[] keys = new int[keyCount];
            for (int i = 0; i < keyCount; i++) {
                keys[i] = in.count("key index", columnCount - 1);
            }
            tables.add(new TableShape(name, columns, keys));
        }
        int[] txStarts = format == FORMAT_1 ? null : new int[in.count("transaction count", in.remaining())];
        for (int i = 0; txStarts != null && i < txStarts.length; i++) {
            txStarts[i] = in.count("transaction start", Integer.MAX_VALUE);
            if (i > 0 && txStarts[i] <= txStarts[i - 1]) {
                throw new MalformedMessageException("transaction starts out of order");
            }
        }
        int changeCount = in.count("change count", in.remaining());
        if (txStarts != null && txStarts.length > 0 && txStarts[txStarts.length - 1] >= changeCount) {
            throw new MalformedMessageException("transaction start beyond the last change");
        }
        List<RowChange> changes = new ArrayList<>(changeCount);
        for (int i = 0; i < changeCount; i++) {
            long version = in.uvarint();
            int ti = in.count("table index", tableCount - 1);
            TableShape table = tables.get(ti);
            int op = in.u8();
            if (op < RowChange.INSERT || op > RowChange.DELETE) {
                throw new MalformedMessageException("unknown operation " + op);
            }
            Object rowid = table.usesRowid() ? in.value() : null;
            if (table.usesRowid() && !(rowid instanceof Long)) {
                throw new MalformedMessageException("rowid of " + table.name() + " is not an integer");
            }
            if (op == RowChange.UPDATE && format != FORMAT_1) {
                changes.add(update(in, version, table, rowid));
                continue;
            }
            int n = op == RowChange.DELETE ? table.keyIndexes().length : table.columns().size();
            Object[] values = new Object[n];
            for (int v = 0; v < n; v++) {
                values[v] = in.value();
            }
            changes.add(new RowChange(version, table, op, rowid, values));
        }
        if (in.remaining() != 0) {
            throw new MalformedMessageException(in.remaining() + " unexpected bytes after the last change");
        }
        if (txStarts == null) {
            return new ChangeBatch(origin, group, chunk, last == 1, changes); // format 1: one transaction
        }
        return new ChangeBatch(origin, group, chunk, last == 1, changes, txStarts);
    }

    private static RowChange update(WireReader in, long version, TableShape table, Object rowid)
            throws MalformedMessageException {
        Object[] values = new Object[table.columns().size()];
        for (int k : table.keyIndexes()) {
            values[k] = in.value();
        }
        int n = in.count("changed column count", table.columns().size());
        int[] changed = new int[n];
        for (int i = 0; i < n; i++) {
            changed[i] = in.count("changed column index", table.columns().size() - 1);
            if (i > 0 && changed[i] <= changed[i - 1]) {
                throw new MalformedMessageException("changed columns of " + table.name() + " out of order");
            }
            for (int k : table.keyIndexes()) {
                if (k == changed[i]) {
                    throw new MalformedMessageException("update of " + table.name() + " changes a key column");
                }
            }
            values[changed[i]] = in.value();
        }
        return new RowChange(version, table, RowChange.UPDATE, rowid, values, changed);
    }

    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(Deflater.BEST_SPEED);
        try {
            d.setInput(data);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2 + 64);
            byte[] buf = new byte[8192];
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    private static byte[] inflate(byte[] data) throws MalformedMessageException {
        Inflater inf = new Inflater();
        try {
            inf.setInput(data);
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length * 3);
            byte[] buf = new byte[8192];
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new MalformedMessageException("compressed body is truncated");
                }
                out.write(buf, 0, n);
                if (out.size() > MAX_INFLATED_BYTES) {
                    throw new MalformedMessageException("compressed body inflates beyond " + MAX_INFLATED_BYTES + " bytes");
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new MalformedMessageException("compressed body is invalid: " + e.getMessage());
        } finally {
            inf.end();
        }
    }
}
