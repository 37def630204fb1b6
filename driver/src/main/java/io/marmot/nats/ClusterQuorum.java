package io.marmot.nats;

import io.marmot.config.EmbeddedCluster;
import io.marmot.replication.ReplicationStats;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Why a node of an embedded cluster cannot use JetStream yet: its server has no quorum (no meta leader, or too few
 * servers for the streams' replicas). Says which peers' route ports answer, so that a wrong {@code cluster-peers}
 * or a firewall shows as such rather than as a stream error.
 */
public final class ClusterQuorum {
    private ClusterQuorum() {
    }

    /** One sentence for {@code health()}, empty when the cluster is not the problem. */
    public static String problem(EmbeddedCluster cluster, boolean connected, ReplicationStats s) {
        if (!cluster.enabled()) {
            return "";
        }
        boolean setUpFailing = s.setUpFailingSinceMillis() != 0;
        boolean publishFailing = s.publishFailingSinceMillis() != 0;
        if (connected && !setUpFailing && !publishFailing) {
            return "";
        }
        if (!connected && !setUpFailing) {
            return ""; // not connected to its own server: said already, and the server is being restarted
        }
        String error = setUpFailing ? s.lastSetUpError() : s.lastPublishError();
        return "waiting for cluster quorum: the embedded server (" + cluster.serverName() + ", routes on "
                + cluster.addr() + ") cannot use JetStream yet, changes wait in the change log; " + peers(cluster)
                + (error.isEmpty() ? "" : "; last error: " + error);
    }

    private static String peers(EmbeddedCluster cluster) {
        if (cluster.peers().isEmpty()) {
            return "cluster-peers is empty, so this server is alone until the others route to it";
        }
        List<String> unreachable = new ArrayList<>();
        for (String peer : cluster.peers()) {
            String why = reach(peer);
            if (!why.isEmpty()) {
                unreachable.add(peer + " (" + why + ")");
            }
        }
        if (unreachable.isEmpty()) {
            return "all " + cluster.peers().size() + " cluster-peers answer on their route ports (a quorum is forming,"
                    + " or log-replicas is more than the servers running)";
        }
        return (cluster.peers().size() - unreachable.size()) + " of " + cluster.peers().size()
                + " cluster-peers answer; not reachable: " + String.join(", ", unreachable)
                + " (check cluster-peers and that those nodes run)";
    }

    private static String reach(String routeUrl) {
        URI u = URI.create(routeUrl);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(u.getHost(), u.getPort()), 300);
            return "";
        } catch (IOException | IllegalArgumentException e) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }
}
