package io.marmot.nats;

import io.marmot.config.EmbeddedCluster;
import io.marmot.config.NatsSettings;
import io.marmot.replication.Daemons;
import io.marmot.replication.MarmotRuntime;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: with no {@code nats-url} a node starts and supervises a local {@code nats-server}
 * (JetStream on, loopback only, store beside the database). If a server already answers on the port —
 * another node's embedded server — the node joins it instead. One per port per JVM, shared by its engines.
 * With {@code cluster-addr} each node runs its own server, routed to its peers' into one JetStream cluster: a
 * server found on the port is then this node's own, left behind by a JVM killed with SIGKILL, and is replaced.
 */
public final class EmbeddedNats {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedNats.class);

    static final String PID_FILE = "nats-server.pid";
    private final int port;
    private final NatsShared shared;
    private final Path binary;
    private final Path storeDir;
    private final EmbeddedCluster cluster;
    private int users;
    private Process process;
    private Thread supervisor;
    private volatile boolean stopping;

    private EmbeddedNats(NatsShared shared, int port, Path binary, Path storeDir, EmbeddedCluster cluster) {
        this.shared = shared;
        this.port = port;
        this.cluster = cluster;
        this.binary = binary;
        this.storeDir = storeDir;
    }

    /** The local server on the configured port, starting one if none answers there; {@link #release} when done. */
    public static EmbeddedNats acquire(MarmotRuntime runtime, NatsSettings settings, Path database) throws IOException {
        NatsShared shared = NatsShared.of(runtime);
        synchronized (shared.servers) { // not the connections' lock: starting a server takes a while
            return acquire(shared, settings, database);
        }
    }

    private static EmbeddedNats acquire(NatsShared shared, NatsSettings settings, Path database) throws IOException {
        EmbeddedNats running = shared.servers.get(settings.port());
        if (running == null) {
            Path store = database.resolveSibling(database.getFileName() + "-nats");
            if (settings.cluster().enabled()) {
                LeftBehindServer.replace(store.resolve(PID_FILE), settings.port());
            }
            if (settings.cluster().enabled() && answers(settings.port())) {
                throw new IOException("nats-port " + settings.port() + " is taken by another process: with"
                        + " cluster-addr each node runs its own embedded nats-server, which needs a client port of"
                        + " its own (set nats-port)");
            }
            if (answers(settings.port())) {
                log.info("a server already listens on 127.0.0.1:{}: joining it", settings.port());
                running = new EmbeddedNats(shared, settings.port(), null, null, settings.cluster());
            } else {
                running = new EmbeddedNats(shared, settings.port(), findBinary(settings.serverPath(), searchPath()), store,
                        settings.cluster());
                running.start();
            }
            shared.servers.put(settings.port(), running);
        }
        running.users++;
        return running;
    }

    /** The routes of this server; not enabled for a lone server. */
    public EmbeddedCluster cluster() {
        return cluster;
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    public void release() {
        synchronized (shared.servers) {
            if (--users > 0) {
                return;
            }
            shared.servers.remove(port, this);
        }
        stop();
    }

    /** Stops the server this JVM started (nothing for one it joined), whoever still uses it. */
    synchronized void stop() {
        stopping = true;
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.info("embedded nats-server on port {} stopped", port);
        }
    }

    private void start() throws IOException {
        Files.createDirectories(storeDir);
        launch();
        supervisor = Daemons.normalThread("marmot-nats-" + port + "-supervisor", this::supervise);
        supervisor.start();
    }

    private synchronized void launch() throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(binary.toString(), "-a", "127.0.0.1", "-p",
                Integer.toString(port), "-js", "-sd", storeDir.toString()));
        if (cluster.enabled()) {
            // Routes listen only where cluster-addr says; the client port stays on loopback for this node alone.
            cmd.addAll(List.of("--server_name", cluster.serverName(), "--pid", storeDir.resolve(PID_FILE).toString()));
        }
        if (cluster.needsConfigFile()) {
            cmd.addAll(List.of("-c", RouteConfigFile.write(storeDir, cluster).toString())); // no secret in ps
        } else if (cluster.enabled()) {
            cmd.addAll(List.of("--cluster_name", cluster.name(), "--cluster", "nats://" + cluster.addr()));
            if (!cluster.peers().isEmpty()) {
                cmd.addAll(List.of("--routes", String.join(",", cluster.peers())));
            }
        } else {
            cmd.addAll(List.of("--server_name", "marmot-" + port));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        File logFile = storeDir.resolve("nats-server.log").toFile();
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile));
        process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!answers(port)) {
            if (!process.isAlive()) {
                throw new IOException("nats-server exited at start (code " + process.exitValue() + "); see " + logFile);
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IOException("nats-server did not listen on 127.0.0.1:" + port + " within 10 s; see " + logFile);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting nats-server", e);
            }
        }
        log.info("embedded nats-server started on 127.0.0.1:{} (JetStream store {}, pid {}{})", port, storeDir,
                process.pid(), cluster.enabled() ? ", " + cluster : "");
    }

    /** Restarts the server if it dies while nodes still use it. */
    private void supervise() {
        long backoffMs = 500;
        while (!stopping) {
            Process p;
            synchronized (this) {
                p = process;
            }
            try {
                int code = p.waitFor();
                // A Ctrl-C reaches the server and this JVM together: wait a moment before deciding it died alone.
                Thread.sleep(backoffMs);
                if (stopping || jvmExiting()) {
                    return;
                }
                log.warn("embedded nats-server on port {} exited with code {}: restarting it", port, code);
                launch();
                backoffMs = 500;
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                log.warn("restarting embedded nats-server failed: {}", e.getMessage());
                backoffMs = Math.min(backoffMs * 2, 30_000);
            }
        }
    }

    private static boolean jvmExiting() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    static boolean answers(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** PATH, then where Debian and a manual install put the binary (root's PATH has /usr/sbin, others' not). */
    static List<Path> searchPath() {
        List<Path> dirs = new java.util.ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                dirs.add(Path.of(dir));
            }
        }
        dirs.add(Path.of("/usr/sbin"));
        dirs.add(Path.of("/usr/local/bin"));
        return dirs;
    }

    static Path findBinary(String configured, List<Path> searchPath) throws IOException {
        if (!configured.isEmpty()) {
            Path p = Path.of(configured);
            if (Files.isExecutable(p)) {
                return p;
            }
            throw new IOException("nats-server-path " + configured + " is not an executable file. Install nats-server"
                    + " (Debian/Ubuntu: apt-get install -y nats-server) or set nats-url to a running NATS server.");
        }
        for (Path dir : searchPath) {
            Path candidate = dir.resolve("nats-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IOException("nats-server is not installed, and no nats-url was given to use another server."
                + " Install it (Debian/Ubuntu: apt-get install -y nats-server, which puts it in /usr/sbin), set"
                + " nats-server-path to its location, or set nats-url to a running NATS server with JetStream."
                + " Searched: " + searchPath);
    }
}
