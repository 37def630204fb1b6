package io.marmot.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Copies and downloads of snapshots that a crash left beside a database. */
public final class SnapshotLeftovers {
    private static final Logger log = LoggerFactory.getLogger(SnapshotLeftovers.class);

    private SnapshotLeftovers() {
    }

    /** Removes them (found in the listing the engines starting there share, {@link Leftovers}); call at the start. */
    public static void remove(Path database) {
        try {
            for (Path p : Leftovers.of(io.marmot.replication.MarmotRuntime.get()).beside(database)) {
                Files.deleteIfExists(p);
                log.info("removed {}, left by an interrupted snapshot", p);
            }
        } catch (IOException | RuntimeException e) {
            log.debug("looking for leftovers of snapshots beside {}: {}", database, e.toString());
        }
    }
}
