package io.marmot.wire;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The message of one schema change, sent on the node's change subject between its row changes and told apart from
 * them by the NATS header {@code Marmot-Kind: schema}:
 *
 * <pre>
 * message = format:u8 (=1) origin:i64 id:i64 length:i32 sql:utf8[length] crc32c:u32   (all big-endian)
 * </pre>
 *
 * {@code id} is the origin's number for the change (unique per node and increasing), {@code sql} one statement.
 */
public final class SchemaChangeCodec {
    public static final String KIND_HEADER = "Marmot-Kind";
    public static final String KIND_SCHEMA = "schema";
    private static final int FORMAT = 1;
    private static final int MAX_SQL_BYTES = 256 << 10;

    private SchemaChangeCodec() {
    }

    /** A decoded schema change. */
    public record SchemaChange(long origin, long id, String sql) {
    }

    public static byte[] encode(SchemaChange change) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            byte[] sql = change.sql().getBytes(StandardCharsets.UTF_8);
            out.writeByte(FORMAT);
            out.writeLong(change.origin());
            out.writeLong(change.id());
            out.writeInt(sql.length);
            out.write(sql);
            CRC32C crc = new CRC32C();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e); // in memory: cannot happen
        }
    }

    public static SchemaChange decode(byte[] message) throws MalformedMessageException {
        if (message == null || message.length < 25) {
            throw new MalformedMessageException("schema message too short");
        }
        CRC32C crc = new CRC32C();
        crc.update(message, 0, message.length - 4);
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(message));
            int format = in.readUnsignedByte();
            if (format != FORMAT) {
                throw new MalformedMessageException("unknown schema message format " + format);
            }
            long origin = in.readLong();
            long id = in.readLong();
            int length = in.readInt();
            if (length < 0 || length > MAX_SQL_BYTES || length != message.length - 25) {
                throw new MalformedMessageException("schema message of a wrong length");
            }
            byte[] sql = new byte[length];
            in.readFully(sql);
            if (in.readInt() != (int) crc.getValue()) {
                throw new MalformedMessageException("schema message checksum mismatch");
            }
            return new SchemaChange(origin, id, new String(sql, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new MalformedMessageException("truncated schema message");
        }
    }
}
