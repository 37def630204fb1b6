package io.marmot.wire;

import java.nio.charset.StandardCharsets;

/** Reads what {@link WireWriter} wrote, refusing damage and hostile sizes with a {@link MalformedMessageException}. */
final class WireReader {
    private final byte[] b;
    private int pos;

    WireReader(byte[] b) {
        this.b = b;
    }

    int remaining() {
        return b.length - pos;
    }

    int u8() throws MalformedMessageException {
        if (pos >= b.length) {
            throw new MalformedMessageException("message ends early");
        }
        return b[pos++] & 0xff;
    }

    long uvarint() throws MalformedMessageException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int x = u8();
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
        throw new MalformedMessageException("varint longer than 64 bits");
    }

    /** A count or index, refused when above max (so hostile sizes cannot make us allocate). */
    int count(String what, long max) throws MalformedMessageException {
        long v = uvarint();
        if (v < 0 || v > max) {
            throw new MalformedMessageException(what + " " + v + " out of range (max " + max + ")");
        }
        return (int) v;
    }

    byte[] bytes() throws MalformedMessageException {
        int n = count("length", remaining());
        byte[] out = java.util.Arrays.copyOfRange(b, pos, pos + n);
        pos += n;
        return out;
    }

    String str() throws MalformedMessageException {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    Object value() throws MalformedMessageException {
        int tag = u8();
        switch (tag) {
            case 0:
                return null;
            case 1: {
                long z = uvarint();
                return (z >>> 1) ^ -(z & 1);
            }
            case 2: {
                if (remaining() < 8) {
                    throw new MalformedMessageException("message ends inside a REAL");
                }
                long bits = 0;
                for (int i = 0; i < 8; i++) {
                    bits = (bits << 8) | (b[pos++] & 0xff);
                }
                return Double.longBitsToDouble(bits);
            }
            case 3:
                return str();
            case 4:
                return bytes();
            default:
                throw new MalformedMessageException("unknown value tag " + tag);
        }
    }
}
