package io.marmot.snapshot;

import io.marmot.replication.MarmotRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The copies and downloads interrupted snapshots left beside databases, found by one listing of a directory that
 * the engines starting there within {@link #FRESH_NANOS} of each other share. Each engine listed the whole directory
 * as it started, so a thousand databases in one directory (a database, its WAL and its index each) read three million
 * names to open. Only a crash leaves such files (a stopping engine removes its own), and a crash ends the JVM with
 * its listings, so a listing a moment old misses none of a database whose engine starts now. Kept by the
 * {@link MarmotRuntime}.
 */
final class Leftovers implements MarmotRuntime.Registry {
    private static final MarmotRuntime.RegistryKey<Leftovers> KEY =
            new MarmotRuntime.RegistryKey<>("leftovers", 13, Leftovers::new);
    private static final long FRESH_NANOS = 2_000_000_000L;
    static final String SNAPSHOT = ".marmot-snapshot-";
    static final String MERGE = ".marmot-merge";

    /** Guarded by this: by directory, the names that look left by a snapshot or a merge, and when it was listed. */
    private final Map<Path, Listing> listings = new HashMap<>();

    private record Listing(List<String> names, long listedNanos) {
    }

    private Leftovers() {
    }

    static Leftovers of(MarmotRuntime runtime) {
        return runtime.registry(KEY);
    }

    /** The files beside {@code database} that a snapshot or merge of it left; each is given out once. */
    synchronized List<Path> beside(Path database) throws IOException {
        Path dir = database.toAbsolutePath().getParent();
        Listing listing = listings.get(dir);
        if (listing == null || System.nanoTime() - listing.listedNanos() > FRESH_NANOS) {
            List<String> names = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                files.map(f -> f.getFileName().toString()).filter(n -> n.contains(SNAPSHOT) || n.contains(MERGE))
                        .forEach(names::add);
            }
            listing = new Listing(names, System.nanoTime());
            listings.put(dir, listing);
        }
        String name = database.getFileName().toString();
        List<Path> found = new ArrayList<>();
        for (java.util.Iterator<String> it = listing.names().iterator(); it.hasNext();) {
            String n = it.next();
            if (n.startsWith(name + SNAPSHOT) || n.startsWith(name + MERGE)) {
                found.add(dir.resolve(n));
                it.remove();
            }
        }
        return found;
    }

    @Override
    public synchronized void close() {
        listings.clear();
    }
}
