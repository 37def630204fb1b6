package io.marmot.wire;

import java.nio.charset.StandardCharsets;

/** Reads what {@link WireWriter} wrote, refusing damage and hostile sizes with a {@link MalformedMessageException}. */
final class WireReader {
    private final byte[] b;
    private final int end;
    private int pos;

    WireReader(byte[] b) {
        this(b, 0, b.length);
    }

    /** Reads {@code b[from, to)} in place: a message's body is not copied out of it first. */
    WireReader(byte[] b, int from, int to) {
        this.b = b;
        this.pos = from;
        this.end = to;
    }

    int remaining() {
        return end - pos;
    }

    int u8() throws MalformedMessageException {
        if (pos >= end) {
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
        int n = count("length", remaining());
        String out = new String(b, pos, n, StandardCharsets.UTF_8); // decoded in place: one copy, not two
        pos += n;
        return out;
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
