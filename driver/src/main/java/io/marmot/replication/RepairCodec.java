package io.marmot.replication;

import io.marmot.clock.RowKey;
import io.marmot.clock.RowState;
import io.marmot.clock.RowStateCodec;
import io.marmot.clock.Stamp;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The messages of repair, a request and reply on core NATS subject {@code <stream-prefix>-repair.<node>} (never in
 * a stream). Binary, big-endian ({@link DataOutputStream}); a reply starts with a status byte (0 ok, 1 error and a
 * sentence). Every request names the table and the shape the asker holds: a peer of another shape refuses.
 *
 * <pre>
 * request  = format:u8 (=1) kind:u8 table:utf shape:utf body
 * RANGES   (1) body = after:i64 first:u8 limit:i32          reply = n:i32 (id:i64 count:i64 sum:i64)* more:u8
 * HASHES   (2) body = n:i32 range:i64*                      reply = answered:i32 n:i32 (key:bytes hash:i64)*
 * ROWS     (3) body = n:i32 key:bytes*                      reply = unfolded:u8 answered:i32 row*
 * row      = present:u8 [values:bytes] hlc:i64 node:i64 state:bytes (length -1: none)
 * bytes    = length:i32 byte*;  values and keys are {@link RowKey} bytes (columns sorted by name, then the rowid)
 * </pre>
 */
final class RepairCodec {
    static final int FORMAT = 1;
    static final int RANGES = 1;
    static final int HASHES = 2;
    static final int ROWS = 3;

    private RepairCodec() {
    }

    /** A request as the responder reads it. */
    record Request(int kind, String table, String shape, long after, boolean first, int limit, List<Long> ranges,
            List<byte[]> keys) {
    }

    /** One range of a peer. */
    record Range(long id, long count, long sum) {
    }

    /** A page of a peer's ranges. */
    record Ranges(List<Range> ranges, boolean more) {
    }

    /** A key and its row's hash. */
    record KeyHash(byte[] key, long hash) {
    }

    record Hashes(int answered, List<KeyHash> rows) {
    }

    /**
     * A peer's row: its values (null: the table holds none) and what last-writer-wins remembers of it
     * ({@link RowState#UNSEEN}: nothing, a row written with triggers off or before capture).
     */
    record PeerRow(Object[] values, RowState state) {
    }

    /** @param unfolded the peer has local changes not yet folded into its row versions (its states may lag) */
    record Rows(boolean unfolded, int answered, List<PeerRow> rows) {
    }

    static byte[] ranges(String table, String shape, long after, boolean first, int limit) {
        return request(RANGES, table, shape, out -> {
            out.writeLong(after);
            out.writeByte(first ? 1 : 0);
            out.writeInt(limit);
        });
    }

    static byte[] hashes(String table, String shape, List<Long> ranges) {
        return request(HASHES, table, shape, out -> {
            out.writeInt(ranges.size());
            for (long r : ranges) {
                out.writeLong(r);
            }
        });
    }

    static byte[] rows(String table, String shape, List<byte[]> keys) {
        return request(ROWS, table, shape, out -> {
            out.writeInt(keys.size());
            for (byte[] k : keys) {
                bytes(out, k);
            }
        });
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] request(int kind, String table, String shape, Body body) {
        return write(out -> {
            out.writeByte(FORMAT);
            out.writeByte(kind);
            out.writeUTF(table);
            out.writeUTF(shape);
            body.write(out);
        });
    }

    static Request readRequest(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        if (in.readUnsignedByte() != FORMAT) {
            throw new IOException("a repair request of an unknown format");
        }
        int kind = in.readUnsignedByte();
        String table = in.readUTF();
        String shape = in.readUTF();
        switch (kind) {
            case RANGES -> {
                long after = in.readLong();
                boolean first = in.readByte() != 0;
                return new Request(kind, table, shape, after, first, in.readInt(), List.of(), List.of());
            }
            case HASHES -> {
                int n = count(in);
                List<Long> ranges = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    ranges.add(in.readLong());
                }
                return new Request(kind, table, shape, 0, false, 0, ranges, List.of());
            }
            case ROWS -> {
                int n = count(in);
                List<byte[]> keys = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    keys.add(bytes(in));
                }
                return new Request(kind, table, shape, 0, false, 0, List.of(), keys);
            }
            default -> throw new IOException("a repair request of unknown kind " + kind);
        }
    }

    static byte[] error(String why) {
        return write(out -> {
            out.writeByte(1);
            out.writeUTF(why.length() > 1000 ? why.substring(0, 1000) : why);
        });
    }

    static byte[] rangesReply(List<Range> ranges, boolean more) {
        return write(out -> {
            out.writeByte(0);
            out.writeInt(ranges.size());
            for (Range r : ranges) {
                out.writeLong(r.id());
                out.writeLong(r.count());
                out.writeLong(r.sum());
            }
            out.writeByte(more ? 1 : 0);
        });
    }

    static byte[] hashesReply(int answered, List<KeyHash> rows) {
        return write(out -> {
            out.writeByte(0);
            out.writeInt(answered);
            out.writeInt(rows.size());
            for (KeyHash k : rows) {
                bytes(out, k.key());
                out.writeLong(k.hash());
            }
        });
    }

    /** The encoded size of one row of a ROWS reply, for keeping replies under the server's payload limit. */
    static byte[] row(Object[] values, Stamp stamp, byte[] state) {
        return write(out -> {
            out.writeByte(values != null ? 1 : 0);
            if (values != null) {
                bytes(out, RowKey.of(values));
            }
            out.writeLong(stamp.version());
            out.writeLong(stamp.node());
            if (state == null) {
                out.writeInt(-1);
            } else {
                bytes(out, state);
            }
        });
    }

    static byte[] rowsReply(boolean unfolded, List<byte[]> rows) {
        return write(out -> {
            out.writeByte(0);
            out.writeByte(unfolded ? 1 : 0);
            out.writeInt(rows.size());
            for (byte[] r : rows) {
                out.write(r);
            }
        });
    }

    static Ranges readRanges(byte[] data) throws IOException {
        DataInputStream in = reply(data);
        int n = count(in);
        List<Range> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Range(in.readLong(), in.readLong(), in.readLong()));
        }
        return new Ranges(out, in.readByte() != 0);
    }

    static Hashes readHashes(byte[] data) throws IOException {
        DataInputStream in = reply(data);
        int answered = in.readInt();
        int n = count(in);
        List<KeyHash> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new KeyHash(bytes(in), in.readLong()));
        }
        return new Hashes(answered, out);
    }

    /**
     * @throws IOException for damage, and for a state that is not one ({@link RowStateCodec#decode} refuses it)
     */
    static Rows readRows(byte[] data) throws IOException {
        DataInputStream in = reply(data);
        boolean unfolded = in.readByte() != 0;
        int n = count(in);
        List<PeerRow> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Object[] values = in.readByte() != 0 ? RowKey.decode(bytes(in)) : null;
            Stamp stamp = new Stamp(in.readLong(), in.readLong());
            int length = in.readInt();
            byte[] state = null;
            if (length >= 0) {
                state = new byte[length];
                in.readFully(state);
            }
            RowState s;
            try {
                s = RowStateCodec.decode(stamp, state);
            } catch (RuntimeException e) {
                throw new IOException(e.getMessage(), e);
            }
            out.add(new PeerRow(values, s));
        }
        return new Rows(unfolded, n, out);
    }

    private static DataInputStream reply(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        if (in.readUnsignedByte() != 0) {
            throw new IOException("the peer refused: " + in.readUTF());
        }
        return in;
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 10_000_000) {
            throw new IOException("a repair message with " + n + " items");
        }
        return n;
    }

    private static void bytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 64 << 20) {
            throw new IOException("a repair message with a value of " + n + " bytes");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static byte[] write(Body body) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(bytes);
            body.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
