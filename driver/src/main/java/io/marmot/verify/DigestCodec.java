package io.marmot.verify;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link Digest} as the text other nodes read from the key-value bucket: one item per line, names URL-encoded.
 *
 * <pre>
 * digest 1 node takenAtMillis settled(0|1)
 * position stream seq
 * table name rows hash shape
 * </pre>
 */
final class DigestCodec {
    private DigestCodec() {
    }

    static String encode(Digest d) {
        StringBuilder sb = new StringBuilder("digest 1 ").append(d.node()).append(' ').append(d.takenAtMillis()).append(' ')
                .append(d.settled() ? 1 : 0).append('\n');
        d.positions().forEach((stream, seq) -> sb.append("position ").append(enc(stream)).append(' ').append(seq).append('\n'));
        d.tables().forEach((name, t) -> sb.append("table ").append(enc(name)).append(' ').append(t.rows()).append(' ')
                .append(t.hash()).append(' ').append(enc(t.shape())).append('\n'));
        return sb.toString();
    }

    /** The digest, or null when the text is not one this version reads (a newer format, damage). */
    static Digest decode(String text) {
        try {
            String[] lines = text.split("\n");
            String[] head = lines[0].split(" ");
            if (head.length != 5 || !head[0].equals("digest") || !head[1].equals("1")) {
                return null;
            }
            Map<String, Long> positions = new TreeMap<>();
            Map<String, Digest.Table> tables = new TreeMap<>();
            for (int i = 1; i < lines.length; i++) {
                String[] f = lines[i].split(" ");
                if (f[0].equals("position") && f.length == 3) {
                    positions.put(dec(f[1]), Long.parseLong(f[2]));
                } else if (f[0].equals("table") && f.length == 5) {
                    tables.put(dec(f[1]), new Digest.Table(dec(f[4]), Long.parseLong(f[2]), Long.parseLong(f[3])));
                } else {
                    return null;
                }
            }
            return new Digest(Long.parseLong(head[2]), Long.parseLong(head[3]), head[4].equals("1"), positions, tables);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String dec(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
