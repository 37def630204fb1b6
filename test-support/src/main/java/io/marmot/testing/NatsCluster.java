package io.marmot.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Three real nats-servers on loopback routed into one JetStream cluster ({@code n1}, {@code n2}, {@code n3}),
 * each a {@link NatsServer} a test can kill with SIGKILL, pause and restart on its own store.
 */
public final class NatsCluster implements AutoCloseable {
    public static final int SIZE = 3;
    private final List<NatsServer> servers = new ArrayList<>();

    private NatsCluster() {
    }

    /**
     * Starts the three servers, each in {@code dir/n<i>}; returns once all accept clients. A port another process took
     * between choosing it and binding it is no failure of the test: the cluster starts again on other ports (3 tries).
     */
    public static NatsCluster start(Path dir) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOn(dir, NatsServer.freePorts(2 * SIZE));
            } catch (IOException | RuntimeException | AssertionError e) {
                if (attempt >= 3 || !String.valueOf(e.getMessage()).contains("address already in use")) {
                    throw e;
                }
                for (int i = 0; i < SIZE; i++) {
                    NatsServer.delete(dir.resolve(name(i))); // what the failed try stored
                }
            }
        }
    }

    private static NatsCluster startOn(Path dir, int[] ports) throws IOException, InterruptedException {
        NatsCluster cluster = new NatsCluster();
        try {
            for (int i = 0; i < SIZE; i++) {
                List<String> routes = new ArrayList<>();
                for (int j = 0; j < SIZE; j++) {
                    if (j != i) {
                        routes.add("nats://127.0.0.1:" + ports[SIZE + j]);
                    }
                }
                cluster.servers.add(NatsServer.start(dir.resolve(name(i)), ports[i], "--server_name", name(i),
                        "--cluster_name", "marmot-test", "--cluster", "nats://127.0.0.1:" + ports[SIZE + i],
                        "--routes", String.join(",", routes)));
            }
        } catch (IOException | RuntimeException | AssertionError e) {
            try {
                cluster.close();
            } catch (Exception closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        return cluster;
    }

    /** The comma-separated URLs of all three servers, as a node's nats-url. */
    public String urls() {
        List<String> out = new ArrayList<>();
        for (NatsServer s : servers) {
            out.add(s.url());
        }
        return String.join(",", out);
    }

    public NatsServer server(int i) {
        return servers.get(i);
    }

    /** The server named {@code n1}, {@code n2} or {@code n3} (as JetStream names a stream's leader). */
    public NatsServer server(String name) {
        return servers.get(Integer.parseInt(name.substring(1)) - 1);
    }

    public static String name(int i) {
        return "n" + (i + 1);
    }

    @Override
    public void close() throws InterruptedException {
        InterruptedException interrupted = null;
        for (NatsServer s : servers) {
            try {
                s.close();
            } catch (InterruptedException e) {
                interrupted = e;
            }
        }
        if (interrupted != null) {
            throw interrupted;
        }
    }
}
