package io.marmot.sidecar;

import io.marmot.Marmot;
import io.marmot.snapshot.Manifest;
import java.io.IOException;
import java.io.PrintStream;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code marmot} command: replicates a SQLite database that other processes write. Exit codes: 0 after a
 * clean stop (SIGTERM, SIGINT), {@code --help}, {@code --cleanup}, {@code --clear-out-of-sync},
 * {@code --save-snapshot} or {@code --list-snapshots}; 1 when it cannot run; 2 for bad flags.
 */
public final class Main {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command; returns its exit code (after a clean stop, when it replicates). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        SidecarSettings settings;
        try {
            settings = CommandLine.parse(args);
        } catch (UsageException e) {
            err.println("marmot: " + e.getMessage());
            return USAGE;
        }
        if (settings.help()) {
            out.print(CommandLine.help());
            out.flush();
            return OK;
        }
        Logging.configure(settings.verbose(), settings.logFormat());
        Logger log = LoggerFactory.getLogger(Main.class);
        if (settings.cleanup()) {
            try {
                Marmot.cleanup(settings.dbPath());
                log.info("removed marmot's triggers and tables from {}", settings.dbPath());
                return OK;
            } catch (SQLException e) {
                log.error("cleanup of {} failed: {}", settings.dbPath(), e.getMessage());
                return FAILED;
            }
        }
        if (settings.clearOutOfSync()) {
            try {
                for (String range : Marmot.missedRanges(settings.dbPath())) {
                    log.info("forgetting missed messages {}", range);
                }
                int cleared = Marmot.clearOutOfSync(settings.dbPath());
                log.info("cleared {} missed range(s) of {}: the node reports itself in sync", cleared, settings.dbPath());
                return OK;
            } catch (SQLException e) {
                log.error("clearing the out-of-sync record of {} failed: {}", settings.dbPath(), e.getMessage());
                return FAILED;
            }
        }
        if (settings.saveSnapshot()) {
            try {
                Manifest m = Marmot.saveSnapshot(settings.dbPath(), settings.replication());
                log.info("snapshot stored: {}", m.describe());
                return OK;
            } catch (SQLException e) {
                log.error("taking a snapshot of {} failed: {}", settings.dbPath(), e.getMessage());
                return FAILED;
            }
        }
        if (settings.listSnapshots()) {
            try {
                List<Manifest> all = Marmot.listSnapshots(settings.replication());
                if (all.isEmpty()) {
                    out.println("no snapshots stored");
                }
                for (Manifest m : all) {
                    out.println(m.describe());
                }
                out.flush();
                return OK;
            } catch (SQLException e) {
                log.error("listing snapshots failed: {}", e.getMessage());
                return FAILED;
            }
        }
        Sidecar sidecar;
        try {
            sidecar = Sidecar.start(settings);
        } catch (IOException | SQLException e) {
            if (log.isDebugEnabled()) {
                log.error("marmot cannot start: {}", e.getMessage(), e);
            } else {
                log.error("marmot cannot start: {}", e.getMessage());
            }
            return FAILED;
        } catch (RuntimeException e) {
            log.error("marmot cannot start", e);
            return FAILED;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(sidecar::close, "marmot-sidecar-shutdown"));
        Signals.onTermination(sidecar::close);
        try {
            sidecar.awaitStop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sidecar.close();
        }
        return OK;
    }
}
