package io.marmot.bench.soak;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The keys one soak node committed, read from its {@code keys-<node>.log} (written by {@link SoakWriter} after each
 * commit returned, on the true clock): {@code I <id> <millis>} inserted, {@code T <id> <millis>} inserted by a
 * three-row transaction (three lines), {@code U <shared key> <millis>} a shared key updated, {@code P <id> <millis>}
 * about to be deleted (the delete may or may not commit), {@code D <id> <millis>} deleted. Read incrementally.
 */
final class KeyLog {
    /** One key: when its insert returned, when its delete was attempted ({@code Long.MAX_VALUE}: never). */
    static final class Key {
        final long inserted;
        long deleting = Long.MAX_VALUE;
        boolean deleted;

        Key(long inserted) {
            this.inserted = inserted;
        }
    }

    final int node;
    private final Path file;
    private final Map<Long, Key> keys = new HashMap<>();
    private long offset;
    private long lines;
    private long multiRowLines;

    KeyLog(Path dir, int node) {
        this.node = node;
        this.file = file(dir, node);
    }

    static Path file(Path dir, int node) {
        return dir.resolve("keys-" + node + ".log");
    }

    /** Transactions whose commit returned: every line but 'P' is one, but a three-row transaction has three. */
    long transactions() {
        return lines - multiRowLines + multiRowLines / 3;
    }

    Map<Long, Key> keys() {
        return keys;
    }

    /** Reads what was appended since the last call; a partly written last line waits for the next call. */
    KeyLog refresh() throws IOException {
        if (!Files.exists(file)) {
            return this;
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            if (length <= offset) {
                return this;
            }
            byte[] bytes = new byte[(int) (length - offset)];
            f.seek(offset);
            f.readFully(bytes);
            int end = lastNewline(bytes);
            if (end < 0) {
                return this;
            }
            offset += end + 1;
            for (String line : new String(bytes, 0, end, StandardCharsets.US_ASCII).split("\n")) {
                apply(line);
            }
        }
        return this;
    }

    private void apply(String line) {
        String[] w = line.split(" ");
        if (w.length != 3) {
            return; // a line cut by a kill -9 while being written: its commit is not counted
        }
        long id = Long.parseLong(w[1]);
        long millis = Long.parseLong(w[2]);
        lines += w[0].equals("P") ? 0 : 1;
        multiRowLines += w[0].equals("T") ? 1 : 0;
        switch (w[0]) {
            case "I", "T" -> keys.put(id, new Key(millis));
            case "P" -> keys.computeIfPresent(id, (k, key) -> {
                key.deleting = Math.min(key.deleting, millis);
                return key;
            });
            case "D" -> keys.computeIfPresent(id, (k, key) -> {
                key.deleted = true;
                return key;
            });
            default -> { }
        }
    }

    private static int lastNewline(byte[] bytes) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
