package io.marmot.clock;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of a row's deleted flag and column claims, stored beside its stamp in {@code __marmot_versions}. A
 * live row without claims (most rows) stores nothing. The bytes are kept in databases: only ever extend.
 *
 * <pre>
 * state = flags:u8 (bit 0: deleted)  claimCount:u16  claim*
 * claim = column:modified-UTF-8  version:i64  node:i64  latent:u8  [value, when latent]
 * value = 0 NULL | 1 i64 | 2 f64 | 3 length:i32 + UTF-8 bytes | 4 length:i32 + bytes
 * </pre>
 */
public final class RowStateCodec {
    private static final byte[] DELETED = {1, 0, 0};

    private RowStateCodec() {
    }

    public static byte[] encode(RowState s) {
        if (!s.deleted() && s.claims().isEmpty()) {
            return null;
        }
        if (s.claims().isEmpty()) {
            return DELETED.clone();
        }
        if (plainClaims(s.claims())) { // the common case, written into one array of its exact size
            int size = 3;
            for (ColumnClaim c : s.claims()) {
                size += 2 + c.column().length() + 17;
            }
            ByteBuffer out = ByteBuffer.allocate(size);
            out.put((byte) (s.deleted() ? 1 : 0));
            out.putShort((short) s.claims().size());
            for (ColumnClaim c : s.claims()) {
                String name = c.column();
                out.putShort((short) name.length());
                for (int i = 0; i < name.length(); i++) {
                    out.put((byte) name.charAt(i));
                }
                out.putLong(c.stamp().version());
                out.putLong(c.stamp().node());
                out.put((byte) 0);
            }
            return out.array();
        }
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + 24 * s.claims().size());
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(s.deleted() ? 1 : 0);
            out.writeShort(s.claims().size());
            for (ColumnClaim c : s.claims()) {
                out.writeUTF(c.column());
                out.writeLong(c.stamp().version());
                out.writeLong(c.stamp().node());
                out.writeByte(c.latent() ? 1 : 0);
                if (c.latent()) {
                    value(out, c.value());
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** No latent value and every column name ASCII without NUL, whose modified UTF-8 is one byte a char. */
    private static boolean plainClaims(List<ColumnClaim> claims) {
        for (ColumnClaim c : claims) {
            if (c.latent() || !ascii(c.column(), 0, c.column().length())) {
                return false;
            }
        }
        return true;
    }

    private static boolean ascii(CharSequence s, int from, int to) {
        for (int i = from; i < to; i++) {
            char ch = s.charAt(i);
            if (ch == 0 || ch >= 0x80) {
                return false;
            }
        }
        return true;
    }

    public static RowState decode(Stamp row, byte[] bytes) {
        if (bytes == null) {
            return RowState.alive(row);
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            boolean deleted = (in.get() & 1) != 0;
            int n = in.getShort() & 0xFFFF;
            List<ColumnClaim> claims = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String column = utf(in);
                Stamp stamp = new Stamp(in.getLong(), in.getLong());
                boolean latent = in.get() != 0;
                claims.add(latent ? ColumnClaim.latent(column, stamp, value(in)) : ColumnClaim.visible(column, stamp));
            }
            return new RowState(row, deleted, claims);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("row state of " + bytes.length + " bytes is damaged", e);
        }
    }

    /** A name as {@link DataOutputStream#writeUTF} wrote it (modified UTF-8): ASCII read directly, the rest by Java. */
    private static String utf(ByteBuffer in) throws IOException {
        int length = in.getShort() & 0xFFFF;
        int at = in.position();
        byte[] b = in.array();
        if (at + length > b.length) {
            throw new IOException("name beyond the state's end");
        }
        boolean ascii = true;
        for (int i = at; i < at + length && ascii; i++) {
            ascii = b[i] > 0;
        }
        String s;
        if (ascii) {
            s = new String(b, at, length, java.nio.charset.StandardCharsets.US_ASCII);
        } else {
            s = new DataInputStream(new ByteArrayInputStream(b, at - 2, length + 2)).readUTF();
        }
        in.position(at + length);
        return s;
    }

    private static void value(DataOutputStream out, Object v) throws IOException {
        if (v == null) {
            out.writeByte(0);
        } else if (v instanceof Long n) {
            out.writeByte(1);
            out.writeLong(n);
        } else if (v instanceof Double d) {
            out.writeByte(2);
            out.writeDouble(d);
        } else if (v instanceof String str) {
            byte[] b = str.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.writeByte(3);
            out.writeInt(b.length);
            out.write(b);
        } else if (v instanceof byte[] b) {
            out.writeByte(4);
            out.writeInt(b.length);
            out.write(b);
        } else {
            throw new IllegalArgumentException("not a SQLite value: " + v.getClass().getName());
        }
    }

    private static Object value(ByteBuffer in) throws IOException {
        int tag = in.get();
        return switch (tag) {
            case 0 -> null;
            case 1 -> in.getLong();
            case 2 -> in.getDouble();
            case 3, 4 -> {
                byte[] b = new byte[in.getInt()];
                in.get(b);
                yield tag == 3 ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : b;
            }
            default -> throw new IOException("unknown value tag " + tag);
        };
    }
}
