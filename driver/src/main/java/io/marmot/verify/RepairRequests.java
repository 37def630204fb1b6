package io.marmot.verify;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The questions of repair ({@link RepairCodec} has the format and the replies): a node asks a peer for its ranges,
 * for the row hashes of some ranges, for rows with their versions, and for the parts of a row too large for one
 * reply. Every request names the table and the shape the asker holds: a peer of another shape refuses.
 */
final class RepairRequests {
    static final int FORMAT = 1;
    static final int RANGES = 1;
    static final int HASHES = 2;
    static final int ROWS = 3;
    static final int PART = 4;

    private RepairRequests() {
    }

    /**
     * A request as the responder reads it.
     *
     * @param after RANGES: the last range of the page before; PART: the offset in the row's encoding
     */
    record Request(int kind, String table, String shape, long after, boolean first, int limit, List<Long> ranges,
            List<byte[]> keys) {
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
                RepairCodec.bytes(out, k);
            }
        });
    }

    /** Asks for the bytes of the row under {@code key} from {@code from} on (a row too large for one reply). */
    static byte[] part(String table, String shape, byte[] key, int from) {
        return request(PART, table, shape, out -> {
            out.writeLong(from);
            out.writeInt(1);
            RepairCodec.bytes(out, key);
        });
    }

    private static byte[] request(int kind, String table, String shape, RepairCodec.Body body) {
        return RepairCodec.write(out -> {
            out.writeByte(FORMAT);
            out.writeByte(kind);
            out.writeUTF(table);
            out.writeUTF(shape);
            body.write(out);
        });
    }

    static Request read(byte[] data) throws IOException {
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
                int n = RepairCodec.count(in);
                List<Long> ranges = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    ranges.add(in.readLong());
                }
                return new Request(kind, table, shape, 0, false, 0, ranges, List.of());
            }
            case ROWS, PART -> {
                long from = kind == PART ? in.readLong() : 0;
                int n = RepairCodec.count(in);
                List<byte[]> keys = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    keys.add(RepairCodec.bytes(in));
                }
                return new Request(kind, table, shape, from, false, 0, List.of(), keys);
            }
            default -> throw new IOException("a repair request of unknown kind " + kind);
        }
    }

}
