package io.marmot.replication;

import io.marmot.config.NatsSettings;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * How this node reaches NATS: the servers and credentials of its settings. Shared by the engine's long-lived
 * connection and the short ones of work that runs before (or without) an engine: restoring a snapshot into a new
 * database, the sidecar's {@code --save-snapshot}.
 */
public final class NatsConnector {
    private NatsConnector() {
    }

    /** The URL this node connects to: the configured one, or the embedded server's port on loopback. */
    public static String url(NatsSettings settings) {
        return settings.embedded() ? "nats://127.0.0.1:" + settings.port() : settings.url();
    }

    /** Whether something answers on the embedded server's port (no server there: nothing to restore from). */
    public static boolean embeddedAnswers(NatsSettings settings) {
        return EmbeddedNats.answers(settings.port());
    }

    /**
     * Connects once, trying until {@code wait} has passed; returns null when no server answered in that time. The
     * caller closes the connection.
     */
    public static Connection connectWithin(NatsSettings settings, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        Options.Builder b = options(settings, url(settings))
                .connectionName("marmot-snapshot")
                .connectionTimeout(Duration.ofSeconds(2))
                .maxReconnects(-1)
                .errorListener(new ErrorListener() {
                });
        Options options = b.build();
        while (true) {
            try {
                return Nats.connect(options);
            } catch (IOException e) {
                if (System.nanoTime() >= deadline) {
                    return null;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while connecting to NATS", e);
            }
            try {
                Thread.sleep(Math.max(1, Math.min(500, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while connecting to NATS", e);
            }
        }
    }

    /** Servers and credentials; the caller adds threads, listeners and timeouts. */
    static Options.Builder options(NatsSettings settings, String url) throws IOException {
        Options.Builder b = Options.builder()
                .servers(Arrays.stream(url.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toArray(String[]::new));
        if (!settings.user().isEmpty()) {
            b.userInfo(settings.user().toCharArray(), settings.password().toCharArray());
        }
        if (!settings.token().isEmpty()) {
            b.token(settings.token().toCharArray());
        }
        if (!settings.credsFile().isEmpty()) {
            requireReadable(settings.credsFile(), "nats-creds");
            b.authHandler(Nats.credentials(settings.credsFile()));
        }
        if (!settings.nkeyFile().isEmpty()) {
            requireReadable(settings.nkeyFile(), "nats-nkey");
            char[] seed = new String(Files.readAllBytes(Path.of(settings.nkeyFile())), StandardCharsets.US_ASCII).trim()
                    .toCharArray();
            b.authHandler(Nats.staticCredentials(null, seed));
        }
        return b;
    }

    private static void requireReadable(String file, String key) throws IOException {
        if (!Files.isReadable(Path.of(file))) {
            throw new IOException(key + " file " + file + " does not exist or cannot be read");
        }
    }
}
