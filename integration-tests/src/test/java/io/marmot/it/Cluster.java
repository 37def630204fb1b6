package io.marmot.it;

import io.marmot.Marmot;
import io.marmot.testing.NatsCluster;
import io.marmot.testing.NatsServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The real-server harness, in the spirit of nats.java's {@code runInJsServer}: a test says how many nodes with
 * which parameters and what must hold; the harness owns the nats-server(s), the files and the cleanup.
 *
 * <pre>{@code
 * Cluster.run(3, "shards=2", (cluster, a, b, c) -> { a.exec(...); Await.until(...); });
 * Cluster.with(2).server("--auth", TOKEN).params("nats-token=" + TOKEN).run((cluster, a, b) -> ...);
 * Cluster.inJvms(3, "", (cluster, a, b, c) -> { a.send("chaos 1 300"); b.kill(); ... });   // crashes matter
 * }</pre>
 *
 * Nodes are named a, b, c, ... with node ids 1, 2, 3, ...; node {@code a}'s database is {@code a.db} in the
 * cluster's directory, and its URL carries {@code node-id} and {@code nats-url} followed by the parameters. More
 * nodes (in this JVM or in their own) can be added by the body; the harness closes them all. On success the
 * directory is deleted; on failure it is kept (its path is attached to the failure) with every server's and node's log.
 */
final class Cluster {
    /** The body of a test that adds its nodes itself. */
    @FunctionalInterface
    interface Body {
        void run(Cluster cluster) throws Exception;
    }

    @FunctionalInterface
    interface One<N> {
        void run(Cluster cluster, N a) throws Exception;
    }

    @FunctionalInterface
    interface Two<N> {
        void run(Cluster cluster, N a, N b) throws Exception;
    }

    @FunctionalInterface
    interface Three<N> {
        void run(Cluster cluster, N a, N b, N c) throws Exception;
    }

    private final Path dir;
    private final NatsServer server;
    private final NatsCluster natsCluster;
    private final List<Node> nodes = new ArrayList<>();
    private final List<NodeProcess> processes = new ArrayList<>();
    private final Map<String, Integer> starts = new HashMap<>();

    Cluster(Path dir, NatsServer server, NatsCluster natsCluster) {
        this.dir = dir;
        this.server = server;
        this.natsCluster = natsCluster;
    }

    /** {@code n} nodes in this JVM, each with {@code params} ({@code "a=1&b=2"}, may be empty). */
    static void run(int n, String params, One<Node> body) throws Exception {
        with(n).params(params).run(body);
    }

    static void run(int n, String params, Two<Node> body) throws Exception {
        with(n).params(params).run(body);
    }

    static void run(int n, String params, Three<Node> body) throws Exception {
        with(n).params(params).run(body);
    }

    /** {@code n} nodes each in its own JVM ({@link NodeMain}), for tests where crashes and restarts matter. */
    static void inJvms(int n, String params, One<NodeProcess> body) throws Exception {
        with(n).params(params).inJvms(body);
    }

    static void inJvms(int n, String params, Two<NodeProcess> body) throws Exception {
        with(n).params(params).inJvms(body);
    }

    static void inJvms(int n, String params, Three<NodeProcess> body) throws Exception {
        with(n).params(params).inJvms(body);
    }

    /** A cluster of {@code n} nodes to describe further (server flags, per-node parameters, a NATS cluster). */
    static ClusterSetup with(int n) {
        return new ClusterSetup(n);
    }

    /** The directory of the cluster's databases, logs and NATS store. */
    Path dir() {
        return dir;
    }

    /** The database file of a node named {@code name}. */
    Path db(String name) {
        return dir.resolve(name + ".db");
    }

    /** The nats-url nodes use: the server's, or all three of a NATS cluster's. */
    String url() {
        return natsCluster != null ? natsCluster.urls() : server.url();
    }

    /** The single nats-server (kill, stop, restart, pause, wipe its store). */
    NatsServer nats() {
        if (server == null) {
            throw new IllegalStateException("this cluster runs a NATS cluster: use natsCluster()");
        }
        return server;
    }

    NatsCluster natsCluster() {
        if (natsCluster == null) {
            throw new IllegalStateException("this cluster runs a single nats-server: use nats()");
        }
        return natsCluster;
    }

    /** The in-JVM nodes opened so far, in order. */
    List<Node> nodes() {
        return List.copyOf(nodes);
    }

    /** The driver URL of node {@code name} ({@code id} 0: no node-id, the engine chooses) with {@code params}. */
    String urlOf(String name, long id, String params) {
        return "jdbc:marmot:sqlite:" + db(name) + "?" + join(join(id == 0 ? "" : "node-id=" + id, "nats-url=" + url()), params);
    }

    /** Opens another node in this JVM ({@code id} 0: without node-id); closed by the harness. */
    Node node(String name, long id, String params) throws Exception {
        Node node = new Node(name, id, db(name), urlOf(name, id, params));
        nodes.add(node);
        return node;
    }

    /** Starts node {@code name} in its own JVM ({@link NodeMain}); again after a kill to restart it. */
    NodeProcess process(String name, long id, String... params) throws Exception {
        return process(List.of(), name, id, params);
    }

    /** As {@link #process(String, long, String...)}, the JVM run under a command such as {@code faketime -f +1h}. */
    NodeProcess process(List<String> prefix, String name, long id, String... params) throws Exception {
        return process(true, prefix, name, id, params);
    }

    /** Starts node {@code name} in its own JVM without waiting until it is ready (to watch, or kill, its start). */
    NodeProcess starting(String name, long id, String... params) throws Exception {
        return process(false, List.of(), name, id, params);
    }

    private NodeProcess process(boolean awaitReady, List<String> prefix, String name, long id, String... params)
            throws Exception {
        int start = starts.merge(name, 1, Integer::sum);
        Path log = dir.resolve(start == 1 ? name + ".log" : name + "-" + start + ".log");
        List<String> nonEmpty = Stream.of(params).filter(p -> !p.isEmpty()).toList();
        NodeProcess p = new NodeProcess(awaitReady, prefix, db(name), id, url(), log, nonEmpty.toArray(String[]::new));
        processes.add(p);
        return p;
    }

    /** Stops everything it started; returns what went wrong doing so, or null. */
    Throwable close() {
        Throwable problems = null;
        for (AutoCloseable c : processes) {
            problems = closeQuietly(c, problems);
        }
        for (AutoCloseable c : nodes) {
            problems = closeQuietly(c, problems);
        }
        problems = closeQuietly(Marmot::closeAll, problems);
        problems = closeQuietly(server != null ? server : natsCluster, problems);
        return problems;
    }

    private static Throwable closeQuietly(AutoCloseable c, Throwable problems) {
        if (c == null) {
            return problems;
        }
        try {
            c.close();
            return problems;
        } catch (Exception e) {
            if (problems == null) {
                return e;
            }
            problems.addSuppressed(e);
            return problems;
        }
    }

    static String join(String first, String second) {
        return first.isEmpty() ? second : second.isEmpty() ? first : first + "&" + second;
    }

    static void delete(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
