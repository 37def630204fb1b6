package io.marmot.verify;

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
 * The messages of repair, a request and reply on core NATS subject {@code <stream-prefix>-repair.<node>} (never in a
 * stream): their format, and the replies (the requests are written and read by {@link RepairRequests}). Binary,
 * big-endian ({@link DataOutputStream}); a reply starts with a status byte (0 ok, 1 error and a sentence).
 *
 * <pre>
 * request  = format:u8 (=1) kind:u8 table:utf shape:utf body
 * RANGES   (1) body = after:i64 first:u8 limit:i32          reply = n:i32 (id:i64 count:i64 sum:i64)* more:u8
 * HASHES   (2) body = n:i32 range:i64*                      reply = answered:i32 n:i32 (key:bytes hash:i64)*
 * ROWS     (3) body = n:i32 key:bytes*                      reply = unfolded:u8 answered:i32 (row | large)*
 * PART     (4) body = from:i64 n:i32 (=1) key:bytes         reply = total:i32 hash:i64 chunk:bytes
 * row      = present:u8 (0|1) [values:bytes] hlc:i64 node:i64 state:bytes (length -1: none)
 * large    = 2:u8 total:i32 hash:i64   a row too large for a reply: its encoding (a row) is fetched in PARTs
 * bytes    = length:i32 byte*;  values and keys are {@link RowKey} bytes (columns sorted by name, then the rowid)
 * </pre>
 */
final class RepairCodec {
    private static final int LARGE = 2;

    private RepairCodec() {
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
    record PeerRow(Object[] values, RowState state, int largeBytes, long largeHash) {
        PeerRow(Object[] values, RowState state) {
            this(values, state, 0, 0);
        }

        /** The row is too large for a reply: it comes in parts, {@code largeBytes} in all, {@link Digest#mix} hash. */
        boolean large() {
            return largeBytes > 0;
        }
    }

    /** A part of a large row's encoding, and the whole encoding's size and hash (a row changed meanwhile shows). */
    record Part(int total, long hash, byte[] chunk) {
    }

    /** @param unfolded the peer has local changes not yet folded into its row versions (its states may lag) */
    record Rows(boolean unfolded, int answered, List<PeerRow> rows) {
    }

    /** Writes a message's body. */
    interface Body {
        void write(DataOutputStream out) throws IOException;
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

    /** What a ROWS reply holds instead of a row whose encoding is larger than a reply may be. */
    static byte[] large(byte[] encodedRow) {
        return write(out -> {
            out.writeByte(LARGE);
            out.writeInt(encodedRow.length);
            out.writeLong(Digest.mix(encodedRow));
        });
    }

    static byte[] partReply(byte[] encodedRow, int from, int budget) {
        int start = Math.min(Math.max(0, from), encodedRow.length);
        int end = Math.min(encodedRow.length, start + Math.max(1, budget));
        return write(out -> {
            out.writeByte(0);
            out.writeInt(encodedRow.length);
            out.writeLong(Digest.mix(encodedRow));
            bytes(out, java.util.Arrays.copyOfRange(encodedRow, start, end));
        });
    }

    static Part readPart(byte[] data) throws IOException {
        DataInputStream in = reply(data);
        return new Part(in.readInt(), in.readLong(), bytes(in));
    }

    /** A row assembled from its parts. */
    static PeerRow readRow(byte[] encodedRow) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(encodedRow));
        if (in.readUnsignedByte() == LARGE) {
            throw new IOException("a large row's parts make a marker, not a row");
        }
        return rowAfterPresence(in, encodedRow[0] != 0);
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
            int present = in.readUnsignedByte();
            out.add(present == LARGE ? new PeerRow(null, null, in.readInt(), in.readLong()) : rowAfterPresence(in, present != 0));
        }
        return new Rows(unfolded, n, out);
    }

    private static PeerRow rowAfterPresence(DataInputStream in, boolean present) throws IOException {
        Object[] values = present ? RowKey.decode(bytes(in)) : null;
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
        return new PeerRow(values, s);
    }

    private static DataInputStream reply(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        if (in.readUnsignedByte() != 0) {
            throw new IOException("the peer refused: " + in.readUTF());
        }
        return in;
    }

    static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 10_000_000) {
            throw new IOException("a repair message with " + n + " items");
        }
        return n;
    }

    static void bytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    static byte[] bytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 64 << 20) {
            throw new IOException("a repair message with a value of " + n + " bytes");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    static byte[] write(Body body) {
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
