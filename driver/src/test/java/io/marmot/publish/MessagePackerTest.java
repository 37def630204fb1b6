package io.marmot.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.wire.ChangeBatch;
import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import io.marmot.wire.WireFormat;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the log is cut into messages: never inside a transaction, except into chunks applied together. */
class MessagePackerTest {
    private static final TableShape T = new TableShape("t", List.of("id", "payload"), new int[] {0});

    private static List<MessagePacker.Packed> pack(long[] groupOfRow, int payloadBytes) {
        MessagePacker packer = new MessagePacker(1);
        List<MessagePacker.Packed> out = new ArrayList<>();
        for (int i = 0; i < groupOfRow.length; i++) {
            RowChange c = new RowChange(i + 1, T, RowChange.INSERT, null, new Object[] {(long) i, "x".repeat(payloadBytes)});
            MessagePacker.Packed done = packer.add(i + 1, i + 1, groupOfRow[i], c);
            if (done != null) {
                out.add(done);
            }
        }
        MessagePacker.Packed rest = packer.finish();
        if (rest != null) {
            out.add(rest);
        }
        return out;
    }

    @Test
    void smallTransactionsShareMessagesButAreNeverSplit() {
        long[] groups = new long[7 * 4_300];
        for (int i = 0; i < groups.length; i++) {
            groups[i] = i / 7; // transactions of 7 rows
        }
        List<MessagePacker.Packed> messages = pack(groups, 100);
        assertTrue(messages.size() > 1, "several messages");
        int rows = 0;
        for (MessagePacker.Packed m : messages) {
            ChangeBatch b = m.batch();
            assertTrue(b.isWhole(), "no chunks needed");
            assertEquals(0, b.changes().size() % 7, "whole transactions only");
            assertTrue(WireFormat.encode(b, false).length < 1 << 20, "under NATS's default max payload");
            rows += b.changes().size();
        }
        assertEquals(groups.length, rows);
    }

    @Test
    void aHugeTransactionBecomesNumberedChunksOfOneGroup() {
        long[] groups = new long[20_000]; // one transaction of 20,000 rows of ~200 B
        List<MessagePacker.Packed> chunks = pack(groups, 200);
        assertTrue(chunks.size() > 2);
        long group = chunks.get(0).batch().group();
        for (int i = 0; i < chunks.size(); i++) {
            ChangeBatch b = chunks.get(i).batch();
            assertEquals(group, b.group(), "chunks share the group");
            assertEquals(i, b.chunk());
            assertEquals(i == chunks.size() - 1, b.last(), "only the last is marked last");
            assertTrue(WireFormat.encode(b, false).length < 1 << 20);
        }
    }
}
