package io.marmot.clock;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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

    public static RowState decode(Stamp row, byte[] bytes) {
        if (bytes == null) {
            return RowState.alive(row);
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            boolean deleted = (in.readByte() & 1) != 0;
            int n = in.readUnsignedShort();
            List<ColumnClaim> claims = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String column = in.readUTF();
                Stamp stamp = new Stamp(in.readLong(), in.readLong());
                boolean latent = in.readByte() != 0;
                claims.add(latent ? ColumnClaim.latent(column, stamp, value(in)) : ColumnClaim.visible(column, stamp));
            }
            return new RowState(row, deleted, claims);
        } catch (IOException e) {
            throw new IllegalStateException("row state of " + bytes.length + " bytes is damaged", e);
        }
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

    private static Object value(DataInputStream in) throws IOException {
        int tag = in.readByte();
        return switch (tag) {
            case 0 -> null;
            case 1 -> in.readLong();
            case 2 -> in.readDouble();
            case 3, 4 -> {
                byte[] b = new byte[in.readInt()];
                in.readFully(b);
                yield tag == 3 ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : b;
            }
            default -> throw new IOException("unknown value tag " + tag);
        };
    }
}
