package io.marmot.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real nats-server with JetStream for the benchmark, its store in a temporary directory. */
final class NatsServer implements AutoCloseable {
    private final Process process;
    final int port;

    private NatsServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static String binary() {
        for (String candidate : new String[] {"/usr/sbin/nats-server", "/usr/local/bin/nats-server", "/usr/bin/nats-server"}) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return "nats-server";
    }

    static String version() {
        try {
            Process p = new ProcessBuilder(binary(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return out;
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }

    static NatsServer start(Path store) throws IOException, InterruptedException {
        Files.createDirectories(store);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process p = new ProcessBuilder(binary(), "-js", "-a", "127.0.0.1", "-p", Integer.toString(port), "-sd", store.toString())
                .redirectErrorStream(true).redirectOutput(store.resolve("nats.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 100);
                return new NatsServer(p, port);
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        p.destroyForcibly();
        throw new IOException("nats-server did not start; see " + store.resolve("nats.log"));
    }

    String url() {
        return "nats://127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
