package io.marmot.snapshot;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the key values back from the bytes {@link io.marmot.clock.RowKey} indexes row versions by, so a tombstone
 * of a snapshot can be merged as the delete it records. Keys read from SQLite or messages hold integers as Long,
 * written as 8 bytes with the sign flipped.
 */
final class KeyBytes {
    private KeyBytes() {
    }

    static Object[] decode(byte[] key) {
        List<Object> out = new ArrayList<>();
        int[] at = {0};
        while (at[0] < key.length) {
            int tag = key[at[0]++] & 0xff;
            switch (tag) {
                case 0 -> out.add(null);
                case 1 -> out.add(fixed(key, at) ^ Long.MIN_VALUE);
                case 2 -> out.add(Double.longBitsToDouble(fixed(key, at)));
                case 3 -> out.add(new String(bytes(key, at), StandardCharsets.UTF_8));
                case 4 -> out.add(bytes(key, at));
                default -> throw new IllegalArgumentException("not a row key: tag " + tag + " at " + (at[0] - 1));
            }
        }
        return out.toArray();
    }

    private static long fixed(byte[] b, int[] at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at[0]++] & 0xff);
        }
        return v;
    }

    private static byte[] bytes(byte[] b, int[] at) {
        long n = 0;
        int shift = 0;
        int x;
        do {
            x = b[at[0]++] & 0xff;
            n |= (long) (x & 0x7f) << shift;
            shift += 7;
        } while ((x & 0x80) != 0);
        byte[] out = Arrays.copyOfRange(b, at[0], at[0] + (int) n);
        at[0] += (int) n;
        return out;
    }
}
