package io.marmot.engine;

import io.marmot.config.MarmotConfig;
import io.marmot.nats.ClusterQuorum;
import io.marmot.replication.ReplicationStats;
import java.util.ArrayList;
import java.util.List;

/** What the replication of a node says is wrong beyond its figures: a claimed id, a start catch-up, a missing quorum. */
final class NodeProblems {
    private NodeProblems() {
    }

    static List<String> of(Replication replication, MarmotConfig config, boolean natsConnected,
            ReplicationStats stats) {
        List<String> problems = new ArrayList<>();
        if (replication == null) {
            return problems;
        }
        for (String p : List.of(replication.identityConflict(), replication.catchUpStatus(), replication.natsProblem(),
                ClusterQuorum.problem(config.nats().cluster(), natsConnected, stats))) {
            if (!p.isEmpty()) {
                problems.add(p);
            }
        }
        return problems;
    }
}
