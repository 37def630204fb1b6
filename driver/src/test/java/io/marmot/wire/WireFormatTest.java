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

    /**
     * Text is encoded straight into the message's buffer: its bytes must be exactly Java's UTF-8 (lone surrogates as
     * '?'), with the length prefix right at every varint boundary (127/128, 16383/16384 bytes).
     */
    @Test
    void textIsEncodedAsJavasUtf8AtEveryLengthPrefixBoundary() throws Exception {
        List<String> texts = List.of("", "a", "\u00e9", "\u4e2d", "\uD83D\uDE00", "lone \uD800 high", "lone \uDC00 low",
                "end \uD83D", "x".repeat(127), "x".repeat(128), "\u00e9".repeat(64), "\u4e2d".repeat(43),
                "x".repeat(126) + "\u00e9", "x".repeat(16_383), "x".repeat(16_384), "\u4e2d".repeat(5462),
                "\uD83D\uDE00".repeat(5000));
        for (String t : texts) {
            WireWriter w = new WireWriter(4);
            w.str(t);
            byte[] got = w.toByteArray();
            byte[] utf8 = t.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            WireWriter expected = new WireWriter();
            expected.bytes(utf8);
            assertArrayEquals(expected.toByteArray(), got, "text of " + t.length() + " chars");
            assertEquals(new String(utf8, java.nio.charset.StandardCharsets.UTF_8), new WireReader(got).str());
        }
    }

    @Test
    void anUpdateCarriesTheKeyAndOnlyTheColumnsItChanged() throws Exception {
        String big = "x".repeat(5000);
        RowChange partial = new RowChange(5L << 16, BOOKS, RowChange.UPDATE, null, new Object[] {1L, big, 2.5},
                new int[] {2});
        RowChange whole = new RowChange(5L << 16, BOOKS, RowChange.UPDATE, null, new Object[] {1L, big, 2.5});
        byte[] partialBytes = WireFormat.encode(new ChangeBatch(1, 5L << 16, 0, true, List.of(partial)), false);
        byte[] wholeBytes = WireFormat.encode(new ChangeBatch(1, 5L << 16, 0, true, List.of(whole)), false);
        assertTrue(partialBytes.length < 100 && wholeBytes.length > 5000, partialBytes.length + " / " + wholeBytes.length);

        RowChange out = WireFormat.decode(partialBytes).changes().get(0);
        assertArrayEquals(new int[] {2}, out.changed());
        assertArrayEquals(new Object[] {1L, null, 2.5}, out.values());
        assertArrayEquals(new int[] {1, 2}, WireFormat.decode(wholeBytes).changes().get(0).changed(),
                "a whole-row update names every column but the key");
    }

    @Test
    void transactionBoundariesSurviveChunking() throws Exception {
        RowChange r = new RowChange(1, LOOSE, RowChange.INSERT, 1L, new Object[] {1L});
        // Message 1: transaction A, then the start of B; message 2: the rest of B, then C.
        ChangeBatch first = new ChangeBatch(3, 1, 0, false, List.of(r, r, r), new int[] {0, 2});
        ChangeBatch second = new ChangeBatch(3, 1, 1, true, List.of(r, r), new int[] {1});
        List<ChangeBatch> decoded = List.of(WireFormat.decode(WireFormat.encode(first, false)),
                WireFormat.decode(WireFormat.encode(second, false)));
        List<Transaction> txs = ChangeBatch.transactions(decoded);
        assertEquals(List.of(2, 2, 1), txs.stream().map(t -> t.changes().size()).toList());
        assertTrue(txs.stream().allMatch(t -> t.origin() == 3));
    }

    @Test
    void messagesOfFormatOneAreReadAsOneTransactionOfWholeRowChanges() throws Exception {
        WireWriter body = new WireWriter();
        body.uvarint(4); // origin
        body.uvarint(77); // group
        body.uvarint(0); // chunk
        body.write(1); // last
        body.uvarint(1);
        body.str("t");
        body.uvarint(2);
        body.str("id");
        body.str("v");
        body.uvarint(1);
        body.uvarint(0);
        body.uvarint(2); // changes
        for (int op : new int[] {RowChange.INSERT, RowChange.UPDATE}) {
            body.uvarint(77);
            body.uvarint(0);
            body.write(op);
            body.value(1L);
            body.value("v" + op);
        }
        ChangeBatch b = WireFormat.decode(withHeaderAndChecksum(WireFormat.FORMAT_1, body.toByteArray()));
        assertEquals(1, ChangeBatch.transactions(List.of(b)).size());
        RowChange update = b.changes().get(1);
        assertArrayEquals(new int[] {1}, update.writtenColumns(), "every column but the key");
        assertEquals("v2", update.values()[1]);
    }

    @Test
    void anIntactMessageOfANewerFormatIsToldApartFromDamage() {
        byte[] message = withHeaderAndChecksum(9, new byte[] {1, 2, 3});
        MalformedMessageException e = assertThrows(UnknownFormatException.class, () -> WireFormat.decode(message));
        assertTrue(e.getMessage().contains("upgrade this node"), e.getMessage());
        message[2] ^= 1;
        assertThrows(MalformedMessageException.class, () -> WireFormat.decode(message));
        assertTrue(!(catchIt(message) instanceof UnknownFormatException), "damage is not a newer format");
    }

    private static Exception catchIt(byte[] message) {
        try {
            WireFormat.decode(message);
            return null;
        } catch (MalformedMessageException e) {
            return e;
        }
    }

    private static byte[] withHeaderAndChecksum(int format, byte[] body) {
        byte[] out = new byte[body.length + 6];
        out[0] = (byte) format;
        System.arraycopy(body, 0, out, 2, body.length);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(out, 0, out.length - 4);
        int sum = (int) crc.getValue();
        for (int i = 0; i < 4; i++) {
            out[out.length - 4 + i] = (byte) (sum >>> (24 - 8 * i));
        }
        return out;
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
