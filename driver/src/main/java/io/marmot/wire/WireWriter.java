package io.marmot.wire;

import java.nio.charset.StandardCharsets;

/** A growable byte buffer without ByteArrayOutputStream's per-byte locking (this is the hot path). */
final class WireWriter {
    private byte[] buf;
    private int size;

    WireWriter() {
        this(256);
    }

    WireWriter(int capacity) {
        buf = new byte[capacity];
    }

    void write(int b) {
        if (size == buf.length) {
            buf = java.util.Arrays.copyOf(buf, size * 2);
        }
        buf[size++] = (byte) b;
    }

    void writeBytes(byte[] b) {
        if (size + b.length > buf.length) {
            buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, size + b.length));
        }
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
    }

    byte[] toByteArray() {
        return java.util.Arrays.copyOf(buf, size);
    }

    void uvarint(long v) {
        while ((v & ~0x7FL) != 0) {
            write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        write((int) v);
    }

    void str(String s) {
        bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    void bytes(byte[] b) {
        uvarint(b.length);
        writeBytes(b);
    }

    void value(Object v) {
        if (v == null) {
            write(0);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            long n = ((Number) v).longValue();
            write(1);
            uvarint((n << 1) ^ (n >> 63));
        } else if (v instanceof Double || v instanceof Float) {
            long bits = Double.doubleToRawLongBits(((Number) v).doubleValue());
            write(2);
            for (int shift = 56; shift >= 0; shift -= 8) {
                write((int) (bits >>> shift));
            }
        } else if (v instanceof String s) {
            write(3);
            str(s);
        } else if (v instanceof byte[] b) {
            write(4);
            bytes(b);
        } else {
            throw new IllegalArgumentException("not a SQLite value: " + v.getClass().getName());
        }
    }
}
