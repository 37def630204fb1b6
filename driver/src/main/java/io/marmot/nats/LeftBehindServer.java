package io.marmot.nats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A SIGKILL of the JVM leaves its embedded nats-server child running (nothing can stop it then). In cluster mode
 * that server is this node's own — same store, same server name — so the restarted node stops it and starts one it
 * supervises; JetStream's file store survives the clean stop, and its peers held the cluster meanwhile.
 */
final class LeftBehindServer {
    private static final Logger log = LoggerFactory.getLogger(LeftBehindServer.class);

    private LeftBehindServer() {
    }

    /** Stops the nats-server named by the pid file if it still runs; a pid that is not a nats-server is left alone. */
    static void replace(Path pidFile, int port) throws IOException {
        Optional<ProcessHandle> server = running(pidFile);
        if (server.isEmpty()) {
            return;
        }
        ProcessHandle p = server.get();
        log.info("this node's embedded nats-server (pid {}, port {}) outlived its JVM: stopping it to start one it"
                + " supervises", p.pid(), port);
        p.destroy();
        try {
            p.onExit().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            p.destroyForcibly();
            try {
                p.onExit().get(5, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e2) {
                throw new IOException("the embedded nats-server left running (pid " + p.pid() + ") did not stop");
            } catch (InterruptedException e2) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping the embedded nats-server left running", e2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the embedded nats-server left running", e);
        }
    }

    private static Optional<ProcessHandle> running(Path pidFile) {
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // no pid file: this node never ran a server, or stopped it cleanly
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(h -> h.info().command().map(c -> c.endsWith("nats-server")).orElse(false));
    }
}
