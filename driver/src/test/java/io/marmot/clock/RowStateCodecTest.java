package io.marmot.clock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Row states are stored in databases: the bytes of the fast path (plain claims, written straight into an array)
 * must be exactly those of the general one (DataOutputStream), and every state must read back as it was.
 */
class RowStateCodecTest {
    private static final Stamp ROW = new Stamp(123_456_789L << 16, 3);

    @Test
    void plainClaimsAreTheBytesDataOutputStreamWrites() throws Exception {
        RowState s = new RowState(ROW, true, List.of(ColumnClaim.visible("payload", new Stamp(7L << 16, 2)),
                ColumnClaim.visible("n", new Stamp(-1L, Long.MAX_VALUE))));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(1);
        out.writeShort(2);
        out.writeUTF("payload");
        out.writeLong(7L << 16);
        out.writeLong(2);
        out.writeByte(0);
        out.writeUTF("n");
        out.writeLong(-1L);
        out.writeLong(Long.MAX_VALUE);
        out.writeByte(0);
        assertArrayEquals(bytes.toByteArray(), RowStateCodec.encode(s));
        assertEquals(s, RowStateCodec.decode(ROW, RowStateCodec.encode(s)));
    }

    @Test
    void everyStateReadsBackAsItWas() {
        List<RowState> states = List.of(RowState.alive(ROW), new RowState(ROW, true, List.of()),
                new RowState(ROW, false, List.of(ColumnClaim.visible("Prix \u00e9t\u00e9 \u4e2d", new Stamp(5, 1)),
                        ColumnClaim.visible("nul\u0000name", new Stamp(6, 1)),
                        ColumnClaim.latent("v", new Stamp(9, 2), "\u00e9 text"),
                        ColumnClaim.latent("w", new Stamp(9, 2), null),
                        ColumnClaim.latent("x", new Stamp(9, 2), 42L),
                        ColumnClaim.latent("y", new Stamp(9, 2), 2.5))));
        for (RowState s : states) {
            assertEquals(s, RowStateCodec.decode(ROW, RowStateCodec.encode(s)));
        }
        RowState blob = new RowState(ROW, false, List.of(ColumnClaim.latent("b", new Stamp(9, 2), new byte[] {1, 2, 3})));
        RowState back = RowStateCodec.decode(ROW, RowStateCodec.encode(blob));
        assertArrayEquals((byte[]) blob.claims().get(0).value(), (byte[]) back.claims().get(0).value());
    }
}
