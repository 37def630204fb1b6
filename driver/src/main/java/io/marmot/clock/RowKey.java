package io.marmot.clock;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Canonical bytes of a row key, the index of row versions: equal keys give equal bytes, whatever side computed
 * them. Integers are written big-endian with the sign flipped, so ascending keys (the common case) append to the
 * index in order. The bytes are stored in databases: never change the encoding of an existing type.
 */
public final class RowKey {
    private static final int NULL = 0;
    private static final int INTEGER = 1;
    private static final int REAL = 2;
    private static final int TEXT = 3;
    private static final int BLOB = 4;

    private byte[] buf = new byte[16];
    private int size;

    private RowKey() {
    }

    /** The key bytes of a row's key values (null, Long, Double, String or byte[]). */
    public static byte[] of(Object[] values) {
        RowKey k = new RowKey();
        for (Object v : values) {
            k.add(v);
        }
        return Arrays.copyOf(k.buf, k.size);
    }

    /**
     * The key values back from their bytes (a tombstone or a key named by another node). Integers come back as Long:
     * keys read from SQLite or messages hold them so, written as 8 bytes.
     *
     * @throws IllegalArgumentException when the bytes are not a row key
     */
    public static Object[] decode(byte[] key) {
        java.util.List<Object> out = new java.util.ArrayList<>();
        int[] at = {0};
        try {
            while (at[0] < key.length) {
                int tag = key[at[0]++] & 0xff;
                switch (tag) {
                    case NULL -> out.add(null);
                    case INTEGER -> out.add(fixed(key, at) ^ Long.MIN_VALUE);
                    case REAL -> out.add(Double.longBitsToDouble(fixed(key, at)));
                    case TEXT -> out.add(new String(bytes(key, at), StandardCharsets.UTF_8));
                    case BLOB -> out.add(bytes(key, at));
                    default -> throw new IllegalArgumentException("not a row key: tag " + tag + " at " + (at[0] - 1));
                }
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("not a row key: " + key.length + " bytes end inside a value", e);
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
        } while ((x & 0x80) != 0 && shift < 64);
        if (n < 0 || n > b.length - at[0]) {
            throw new IllegalArgumentException("not a row key: a value of " + n + " bytes at " + at[0]);
        }
        byte[] out = Arrays.copyOfRange(b, at[0], at[0] + (int) n);
        at[0] += (int) n;
        return out;
    }

    private void add(Object v) {
        if (v == null) {
            write(NULL);
        } else if (v instanceof Long n) {
            write(INTEGER);
            fixed(n ^ Long.MIN_VALUE);
        } else if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            long n = ((Number) v).longValue();
            write(INTEGER);
            uvarint((n << 1) ^ (n >> 63));
        } else if (v instanceof Double || v instanceof Float) {
            write(REAL);
            fixed(Double.doubleToRawLongBits(((Number) v).doubleValue()));
        } else if (v instanceof String s) {
            write(TEXT);
            bytes(s.getBytes(StandardCharsets.UTF_8));
        } else if (v instanceof byte[] b) {
            write(BLOB);
            bytes(b);
        } else {
            throw new IllegalArgumentException("not a SQLite value: " + v.getClass().getName());
        }
    }

    private void fixed(long v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            write((int) (v >>> shift));
        }
    }

    private void bytes(byte[] b) {
        uvarint(b.length);
        for (byte x : b) {
            write(x);
        }
    }

    private void uvarint(long v) {
        while ((v & ~0x7FL) != 0) {
            write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        write((int) v);
    }

    private void write(int b) {
        if (size == buf.length) {
            buf = Arrays.copyOf(buf, size * 2);
        }
        buf[size++] = (byte) b;
    }
}
