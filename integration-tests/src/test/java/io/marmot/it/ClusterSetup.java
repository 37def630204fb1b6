package io.marmot.it;

import io.marmot.testing.NatsCluster;
import io.marmot.testing.NatsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** How a {@link Cluster} is set up: the nodes' parameters and the NATS servers. */
final class ClusterSetup {
    private final int n;
    private String params = "";
    private final Map<Integer, String> nodeParams = new HashMap<>();
    private String[] serverArgs = new String[0];
    private boolean natsCluster;

    ClusterSetup(int n) {
        this.n = n;
    }

    /** Parameters of every node. */
    ClusterSetup params(String params) {
        this.params = params;
        return this;
    }

    /** More parameters of node {@code number} (1 for a, 2 for b, ...). */
    ClusterSetup params(int number, String params) {
        nodeParams.put(number, params);
        return this;
    }

    /** Extra flags of the nats-server ({@code --auth}, {@code --user}, ...). */
    ClusterSetup server(String... args) {
        this.serverArgs = args;
        return this;
    }

    /** Three nats-servers in a JetStream cluster instead of one; nodes get all three URLs. */
    ClusterSetup natsCluster() {
        this.natsCluster = true;
        return this;
    }

    void run(Cluster.Body body) throws Exception {
        start(0, (cluster, nodes) -> body.run(cluster), false);
    }

    void run(Cluster.One<Node> body) throws Exception {
        start(1, (cluster, nodes) -> body.run(cluster, (Node) nodes.get(0)), false);
    }

    void run(Cluster.Two<Node> body) throws Exception {
        start(2, (cluster, nodes) -> body.run(cluster, (Node) nodes.get(0), (Node) nodes.get(1)), false);
    }

    void run(Cluster.Three<Node> body) throws Exception {
        start(3, (cluster, nodes) -> body.run(cluster, (Node) nodes.get(0), (Node) nodes.get(1), (Node) nodes.get(2)),
                false);
    }

    void inJvms(Cluster.One<NodeProcess> body) throws Exception {
        start(1, (cluster, nodes) -> body.run(cluster, (NodeProcess) nodes.get(0)), true);
    }

    void inJvms(Cluster.Two<NodeProcess> body) throws Exception {
        start(2, (cluster, nodes) -> body.run(cluster, (NodeProcess) nodes.get(0), (NodeProcess) nodes.get(1)), true);
    }

    void inJvms(Cluster.Three<NodeProcess> body) throws Exception {
        start(3, (cluster, nodes) -> body.run(cluster, (NodeProcess) nodes.get(0), (NodeProcess) nodes.get(1),
                (NodeProcess) nodes.get(2)), true);
    }

    /** The body with the nodes the harness opened, whatever their kind. */
    @FunctionalInterface
    private interface Started {
        void run(Cluster cluster, List<Object> nodes) throws Exception;
    }

    private void start(int arity, Started body, boolean inJvms) throws Exception {
        if (arity != 0 && n != arity) {
            throw new IllegalArgumentException("the test body takes " + arity + " nodes, the cluster has " + n);
        }
        Path dir = Files.createTempDirectory("marmot-cluster-");
        Cluster cluster = null;
        Throwable failure = null;
        try {
            cluster = natsCluster ? new Cluster(dir, null, NatsCluster.start(dir.resolve("nats")))
                    : new Cluster(dir, NatsServer.start(dir.resolve("nats"), serverArgs), null);
            List<Object> started = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                String name = String.valueOf((char) ('a' + i - 1));
                String p = Cluster.join(params, nodeParams.getOrDefault(i, ""));
                started.add(inJvms ? cluster.process(name, i, p) : cluster.node(name, i, p));
            }
            body.run(cluster, started);
        } catch (Throwable t) {
            failure = t;
            throw t;
        } finally {
            Throwable cleanup = cluster == null ? null : cluster.close();
            if (failure != null) {
                if (cleanup != null) {
                    failure.addSuppressed(cleanup);
                }
                failure.addSuppressed(new Exception("the cluster's files and logs are kept in " + dir));
            } else if (cleanup != null) {
                throw new AssertionError("the cluster did not stop cleanly; its files are in " + dir, cleanup);
            } else {
                Cluster.delete(dir);
            }
        }
    }
}
