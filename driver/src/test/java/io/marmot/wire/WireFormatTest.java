package io.marmot.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The message format: exact round trips, and every kind of damage refused. */
class WireFormatTest {
    private static final TableShape BOOKS = new TableShape("Books \"odd\"", List.of("id", "title", "v"), new int[] {0});
    private static final TableShape LOOSE = new TableShape("loose", List.of("x"), new int[0]);

    private static ChangeBatch sample() {
        byte[] blob = new byte[70_000];
        new Random(1).nextBytes(blob);
        return new ChangeBatch(7, 117_656_904_689_582_081L, 3, false, List.of(
                new RowChange(117_656_904_689_582_081L, BOOKS, RowChange.INSERT, null,
                        new Object[] {Long.MIN_VALUE, "text \u0000 with NUL \uD83D\uDE00 \u4e2d", -0.0}),
                new RowChange(117_656_904_689_582_082L, BOOKS, RowChange.UPDATE, null,
                        new Object[] {Long.MAX_VALUE, null, blob}),
                new RowChange(117_656_904_689_582_083L, BOOKS, RowChange.DELETE, null, new Object[] {42L}),
                new RowChange(117_656_904_689_582_084L, LOOSE, RowChange.INSERT, 9L, new Object[] {new byte[0]}),
                new RowChange(117_656_904_689_582_085L, LOOSE, RowChange.DELETE, 9L, new Object[0])));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void roundTripsExactly(boolean compress) throws Exception {
        ChangeBatch in = sample();
        ChangeBatch out = WireFormat.decode(WireFormat.encode(in, compress));
        assertEquals(in.origin(), out.origin());
        assertEquals(in.group(), out.group());
        assertEquals(in.chunk(), out.chunk());
        assertEquals(in.last(), out.last());
        assertEquals(in.changes().size(), out.changes().size());
        for (int i = 0; i < in.changes().size(); i++) {
            RowChange a = in.changes().get(i);
            RowChange b = out.changes().get(i);
            assertEquals(a.version(), b.version());
            assertEquals(a.op(), b.op());
            assertEquals(a.table(), b.table());
            assertEquals(a.rowid(), b.rowid());
            assertTrue(Arrays.deepEquals(a.values(), b.values()), "values of change " + i);
        }
        Object negativeZero = out.changes().get(0).values()[2];
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) negativeZero));
    }

    @Test
    void compressionShrinksRepetitiveRows() {
        ChangeBatch big = new ChangeBatch(1, 1, 0, true, java.util.stream.IntStream.range(0, 500)
                .mapToObj(i -> new RowChange(i + 1, BOOKS, RowChange.INSERT, null, new Object[] {(long) i, "same text ".repeat(10), null}))
                .toList());
        assertTrue(WireFormat.encode(big, true).length * 4 < WireFormat.encode(big, false).length);
    }

    @Test
    void everyDamagedByteIsDetected() {
        byte[] good = WireFormat.encode(sample(), false);
        for (int i = 0; i < good.length; i += 97) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            assertThrows(MalformedMessageException.class, () -> WireFormat.decode(bad), "flipped byte " + i);
        }
        for (int len : new int[] {0, 1, 5, good.length / 2, good.length - 1}) {
            byte[] cut = Arrays.copyOf(good, len);
            assertThrows(MalformedMessageException.class, () -> WireFormat.decode(cut), "truncated to " + len);
        }
    }

    @Test
    void hostileCountsDoNotAllocate() {
        // A valid checksum around a body that claims two billion tables must be refused, not believed.
        byte[] body = {1, 0, /* origin */ 1, /* group */ 1, /* chunk */ 0, /* last */ 1, (byte) 0xff, (byte) 0xff,
                (byte) 0xff, (byte) 0xff, 0x07};
        MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> WireFormat.decode(withCrc(body)));
        assertTrue(e.getMessage().contains("table count"), e.getMessage());
    }

    private static byte[] withCrc(byte[] head) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(head, 0, head.length);
        int sum = (int) crc.getValue();
        byte[] out = Arrays.copyOf(head, head.length + 4);
        out[head.length] = (byte) (sum >>> 24);
        out[head.length + 1] = (byte) (sum >>> 16);
        out[head.length + 2] = (byte) (sum >>> 8);
        out[head.length + 3] = (byte) sum;
        return out;
    }
}
