package io.marmot.snapshot;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a snapshot is: the copy's format, the node it was taken from and when, for every stream the sequence up to
 * which the copy reflects it (with the stream's identity, so a stream created anew since is recognised), a
 * fingerprint of the schema, and the SHA-256 and size of the file. Kept as the metadata of its object in the
 * Object Store, so a snapshot and its manifest never part.
 *
 * @param name the object's name in the store, unique
 * @param createdMillis when the copy was taken, epoch milliseconds (for people; nothing compares clocks with it)
 * @param positions per stream name
 * @param rows rows of the user's tables in the copy
 * @param checked the copy passed {@code PRAGMA integrity_check} where it was taken: a download whose SHA-256 matches
 *     is the same file, byte for byte, and needs no second check
 */
public record Manifest(int format, String name, long sourceNode, long createdMillis, Map<String, Position> positions,
        String schemaFingerprint, String sha256, long size, long rows, boolean checked) {

    /** The format of the copy this version writes and reads. */
    public static final int FORMAT = 1;

    private static final String PREFIX = "marmot-";

    public Manifest {
        positions = Map.copyOf(positions);
    }

    /**
     * How far one stream is reflected: every message up to {@code seq} is in the copy; {@code created} and
     * {@code stamp} (epoch ns, 0 when unknown) identify the stream and the message at {@code seq}.
     */
    public record Position(long seq, long created, long stamp) {
    }

    /** The sequence of a stream reflected by the copy, 0 when the copy holds nothing of it. */
    public long seq(String stream) {
        Position p = positions.get(stream);
        return p == null ? 0 : p.seq();
    }

    Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(PREFIX + "format", Integer.toString(format));
        m.put(PREFIX + "source-node", Long.toString(sourceNode));
        m.put(PREFIX + "created", Long.toString(createdMillis));
        StringBuilder p = new StringBuilder();
        for (Map.Entry<String, Position> e : new TreeMap<>(positions).entrySet()) {
            if (p.length() > 0) {
                p.append(';');
            }
            p.append(e.getKey()).append(':').append(e.getValue().seq()).append(':').append(e.getValue().created())
                    .append(':').append(e.getValue().stamp());
        }
        m.put(PREFIX + "positions", p.toString());
        m.put(PREFIX + "schema", schemaFingerprint);
        m.put(PREFIX + "sha256", sha256);
        m.put(PREFIX + "size", Long.toString(size));
        m.put(PREFIX + "rows", Long.toString(rows));
        if (checked) {
            m.put(PREFIX + "checked", "integrity_check");
        }
        return m;
    }

    /** Reads a manifest back from its object's metadata; null when the object is not a marmot snapshot. */
    static Manifest fromMetadata(String name, Map<String, String> m) {
        if (m == null || !m.containsKey(PREFIX + "format") || !m.containsKey(PREFIX + "sha256")) {
            return null;
        }
        try {
            Map<String, Position> positions = new HashMap<>();
            String p = m.getOrDefault(PREFIX + "positions", "");
            for (String part : p.isEmpty() ? new String[0] : p.split(";")) {
                String[] f = part.split(":");
                positions.put(f[0], new Position(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])));
            }
            return new Manifest(Integer.parseInt(m.get(PREFIX + "format")), name,
                    Long.parseLong(m.getOrDefault(PREFIX + "source-node", "0")),
                    Long.parseLong(m.getOrDefault(PREFIX + "created", "0")), positions,
                    m.getOrDefault(PREFIX + "schema", ""), m.get(PREFIX + "sha256"),
                    Long.parseLong(m.getOrDefault(PREFIX + "size", "-1")), Long.parseLong(m.getOrDefault(PREFIX + "rows", "0")),
                    "integrity_check".equals(m.get(PREFIX + "checked")));
        } catch (RuntimeException e) {
            return null; // a damaged manifest: the snapshot is not usable
        }
    }

    /** One line for people: name, size, source node, age, positions. */
    public String describe() {
        long age = Duration.between(Instant.ofEpochMilli(createdMillis), Instant.now()).toSeconds();
        StringBuilder b = new StringBuilder(name).append("  ").append(size).append(" bytes, ").append(rows)
                .append(" rows, from node ").append(sourceNode).append(", taken ").append(Instant.ofEpochMilli(createdMillis))
                .append(" (").append(age).append(" s ago), positions");
        for (Map.Entry<String, Position> e : new TreeMap<>(positions).entrySet()) {
            b.append(' ').append(e.getKey()).append('@').append(e.getValue().seq());
        }
        return b.toString();
    }
}
