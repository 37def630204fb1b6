package io.marmot.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real nats-server with JetStream on loopback, started as a child process whose PID the test knows: it can be
 * killed with SIGKILL, paused with SIGSTOP, stopped and started again on the same port and store. Everything it
 * writes stays in its own directory (the JetStream store in {@code store/}, its output in {@code server.log}).
 */
public final class NatsServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

    private final Path dir;
    private final int port;
    private final List<String> args;
    private Process process;
    private boolean paused;

    private NatsServer(Path dir, int port, List<String> args) {
        this.dir = dir;
        this.port = port;
        this.args = List.copyOf(args);
    }

    /** Starts a server on a free port, keeping its files in {@code dir}; {@code args} are extra server flags. */
    public static NatsServer start(Path dir, String... args) throws IOException {
        return start(dir, freePort(), args);
    }

    /** Starts a server on {@code port}, keeping its files in {@code dir}; {@code args} are extra server flags. */
    public static NatsServer start(Path dir, int port, String... args) throws IOException {
        NatsServer server = new NatsServer(dir, port, List.of(args));
        server.restart();
        return server;
    }

    /** {@code /usr/sbin/nats-server} (Debian's package) when installed there, else {@code nats-server} on PATH. */
    public static Path binary() {
        Path debian = Path.of("/usr/sbin/nats-server");
        if (Files.isExecutable(debian)) {
            return debian;
        }
        for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry, "nats-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("nats-server is neither in /usr/sbin nor on PATH (apt-get install -y nats-server)");
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The PID of the running server process. */
    public long pid() {
        return running().pid();
    }

    public Path dir() {
        return dir;
    }

    /** The JetStream store directory ({@code -sd}). */
    public Path store() {
        return dir.resolve("store");
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Everything the server printed, across its restarts. */
    public String log() {
        try {
            Path log = dir.resolve("server.log");
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the (stopped or killed) server again on its port and store; returns once it accepts clients. */
    public NatsServer restart() throws IOException {
        if (isRunning()) {
            throw new IllegalStateException("nats-server " + pid() + " on port " + port + " still runs");
        }
        Files.createDirectories(store());
        Path log = dir.resolve("server.log");
        long logged = Files.exists(log) ? Files.size(log) : 0;
        List<String> cmd = new ArrayList<>(List.of(binary().toString(), "-a", "127.0.0.1", "-p", Integer.toString(port),
                "-js", "-sd", store().toString()));
        cmd.addAll(args);
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        paused = false;
        try {
            Await.until(START_TIMEOUT, "nats-server ready on port " + port, () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("nats-server exited with " + process.exitValue() + ":\n" + log());
                }
                return Files.size(log) > logged && Files.readString(log, StandardCharsets.UTF_8).substring((int) logged)
                        .contains("Server is ready");
            });
        } catch (IOException | RuntimeException | Error e) {
            process.destroyForcibly();
            throw e;
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IOException("nats-server did not start on port " + port + ":\n" + log(), e);
        }
        return this;
    }

    /** SIGKILL, as a crashed machine: no flush, no goodbye to clients. */
    public void kill() throws InterruptedException {
        Process p = running();
        p.destroyForcibly();
        if (!p.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException("nats-server " + p.pid() + " survived SIGKILL");
        }
        paused = false;
    }

    /** SIGTERM and wait for the exit (SIGKILL after 15 s); restart() brings it back. */
    public void stop() throws InterruptedException {
        Process p = running();
        if (paused) {
            resume();
        }
        p.destroy();
        if (!p.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** SIGSTOP: the server freezes where it is (connections stay open, nothing answers). */
    public void pause() throws InterruptedException {
        signal("STOP");
        paused = true;
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() throws InterruptedException {
        signal("CONT");
        paused = false;
    }

    /** Deletes the JetStream store of the stopped server: it comes back empty, as a wiped or replaced one. */
    public void wipeStore() throws IOException {
        if (isRunning()) {
            throw new IllegalStateException("stop the server before wiping its store");
        }
        delete(store());
    }

    @Override
    public void close() throws InterruptedException {
        if (isRunning()) {
            stop();
        }
    }

    @Override
    public String toString() {
        return "nats-server " + (isRunning() ? "pid " + process.pid() + " " : "(stopped) ") + url();
    }

    private Process running() {
        if (!isRunning()) {
            throw new IllegalStateException("nats-server on port " + port + " is not running");
        }
        return process;
    }

    private void signal(String name) throws InterruptedException {
        Signals.send(name, running().pid());
    }

    /** A port nobody listens on right now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** {@code n} distinct free ports: all held open at once, as one freed port may be handed out again by the next call. */
    public static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                held.add(new ServerSocket(0));
                ports[i] = held.get(i).getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    static void delete(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
