package io.marmot.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Three real nats-servers on loopback, routed into one JetStream cluster, each started by PID so a test can kill
 * one with SIGKILL and start it again on its own store.
 */
final class NatsCluster implements AutoCloseable {
    private static final Path BINARY = Files.isExecutable(Path.of("/usr/sbin/nats-server")) ? Path.of("/usr/sbin/nats-server")
            : Path.of("nats-server");

    private final Path dir;
    private final int[] clientPorts = new int[3];
    private final int[] routePorts = new int[3];
    private final Process[] servers = new Process[3];

    NatsCluster(Path dir) throws Exception {
        this.dir = dir;
        for (int i = 0; i < 3; i++) {
            clientPorts[i] = freePort();
            routePorts[i] = freePort();
        }
        for (int i = 0; i < 3; i++) {
            start(i);
        }
        for (int i = 0; i < 3; i++) {
            awaitPort(clientPorts[i]);
        }
    }

    /** The comma-separated URLs of all three servers, as a node's nats-url. */
    String urls() {
        List<String> out = new ArrayList<>();
        for (int port : clientPorts) {
            out.add("nats://127.0.0.1:" + port);
        }
        return String.join(",", out);
    }

    String name(int i) {
        return "n" + (i + 1);
    }

    int indexOf(String serverName) {
        return Integer.parseInt(serverName.substring(1)) - 1;
    }

    void start(int i) throws IOException {
        List<String> routes = new ArrayList<>();
        for (int j = 0; j < 3; j++) {
            if (j != i) {
                routes.add("nats://127.0.0.1:" + routePorts[j]);
            }
        }
        Path store = Files.createDirectories(dir.resolve(name(i)));
        servers[i] = new ProcessBuilder(BINARY.toString(), "-a", "127.0.0.1", "-p", Integer.toString(clientPorts[i]),
                "-js", "-sd", store.toString(), "--server_name", name(i), "--cluster_name", "marmot-test",
                "--cluster", "nats://127.0.0.1:" + routePorts[i], "--routes", String.join(",", routes))
                .redirectErrorStream(true).redirectOutput(dir.resolve(name(i) + ".log").toFile()).start();
    }

    /** SIGKILL, as a crashed machine. */
    void kill(int i) throws InterruptedException {
        servers[i].destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    void restart(int i) throws Exception {
        start(i);
        awaitPort(clientPorts[i]);
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : servers) {
            if (p != null && p.isAlive()) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void awaitPort(int port) throws Exception {
        Await.until(java.time.Duration.ofSeconds(20), "nats-server on port " + port, () -> {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return true;
            }
        });
    }
}
