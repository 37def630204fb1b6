package io.marmot.wire;


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

    /** The bytes from {@code from} on. */
    byte[] copyFrom(int from) {
        return java.util.Arrays.copyOfRange(buf, from, size);
    }

    /** Everything written followed by its CRC-32C (big-endian), as one array. */
    byte[] sealed() {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(buf, 0, size);
        int sum = (int) crc.getValue();
        ensure(4);
        buf[size++] = (byte) (sum >>> 24);
        buf[size++] = (byte) (sum >>> 16);
        buf[size++] = (byte) (sum >>> 8);
        buf[size++] = (byte) sum;
        return toByteArray();
    }

    void uvarint(long v) {
        while ((v & ~0x7FL) != 0) {
            write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        write((int) v);
    }

    /**
     * The string's UTF-8 bytes, encoded straight into the buffer: every text value of every change passes here, and
     * {@code getBytes} would allocate a copy of each. Its length prefix is written once the length is known (one byte
     * for strings under 128 bytes, else the bytes are moved up behind a longer prefix).
     */
    void str(String s) {
        int chars = s.length();
        ensure(5 + chars * 3);
        int start = size;
        int at = start + 1; // room for a one-byte length, the common case
        for (int i = 0; i < chars; i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                buf[at++] = (byte) ch;
            } else if (ch < 0x800) {
                buf[at++] = (byte) (0xC0 | ch >> 6);
                buf[at++] = (byte) (0x80 | ch & 0x3F);
            } else if (Character.isSurrogate(ch)) {
                int cp = Character.isHighSurrogate(ch) && i + 1 < chars && Character.isLowSurrogate(s.charAt(i + 1))
                        ? Character.toCodePoint(ch, s.charAt(++i)) : -1;
                if (cp < 0) {
                    buf[at++] = (byte) '?'; // a lone surrogate, as String.getBytes encodes it
                } else {
                    buf[at++] = (byte) (0xF0 | cp >> 18);
                    buf[at++] = (byte) (0x80 | cp >> 12 & 0x3F);
                    buf[at++] = (byte) (0x80 | cp >> 6 & 0x3F);
                    buf[at++] = (byte) (0x80 | cp & 0x3F);
                }
            } else {
                buf[at++] = (byte) (0xE0 | ch >> 12);
                buf[at++] = (byte) (0x80 | ch >> 6 & 0x3F);
                buf[at++] = (byte) (0x80 | ch & 0x3F);
            }
        }
        int length = at - start - 1;
        int prefix = varintSize(length);
        if (prefix > 1) {
            System.arraycopy(buf, start + 1, buf, start + prefix, length);
        }
        size = start;
        uvarint(length);
        size = start + prefix + length;
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }

    private static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
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
