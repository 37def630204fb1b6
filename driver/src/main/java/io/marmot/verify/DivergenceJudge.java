package io.marmot.verify;

import io.marmot.replication.ReplicationCounters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a round's comparisons with the peers into divergences: a difference counts once seen in two rounds in a row
 * (a round may meet a change between two commits), is logged once, and stays in {@code stats()} until the nodes agree
 * again. Says which tables to repair, by peer.
 */
final class DivergenceJudge {
    private static final Logger log = LoggerFactory.getLogger(DivergenceJudge.class);

    private final long nodeId;
    private final ReplicationCounters stats;
    private final Map<Long, List<String>> differedLastRound = new HashMap<>();
    private final Map<Long, Boolean> agreement = new TreeMap<>();

    DivergenceJudge(long nodeId, ReplicationCounters stats) {
        this.nodeId = nodeId;
        this.stats = stats;
    }

    /** The tables to repair, by peer; {@code present}: the peers whose digests were read. */
    Map<Long, List<String>> judge(List<PeerComparison> comparisons, Set<Long> present) {
        Map<Long, List<String>> toRepair = new TreeMap<>();
        agreement.keySet().retainAll(present);
        List<String> divergences = new ArrayList<>();
        int agreeing = 0;
        Map<Long, List<String>> differing = new HashMap<>();
        for (PeerComparison c : comparisons) {
            if (c.comparable()) {
                agreement.put(c.peer(), c.agrees());
            }
            if (c.agrees()) {
                agreeing++;
                if (stats.divergences.stream().anyMatch(d -> d.contains("node " + c.peer()))) {
                    log.info("{} - agrees with node {} again", nodeId, c.peer());
                }
            } else if (c.comparable()) {
                differing.put(c.peer(), c.differences());
                if (c.differences().equals(differedLastRound.get(c.peer()))) {
                    for (String d : c.differences()) {
                        divergences.add("differs from node " + c.peer() + ": " + d);
                    }
                    if (!c.rowDifferences().isEmpty()) {
                        toRepair.put(c.peer(), c.rowDifferences());
                    }
                }
            }
        }
        for (String d : divergences) {
            if (!stats.divergences.contains(d)) {
                log.error("{} - {} at the same stream positions: a divergence the stream does not explain", nodeId, d);
            }
        }
        differedLastRound.clear();
        differedLastRound.putAll(differing);
        stats.verified(agreeing, (int) divergences.stream().map(d -> d.substring(0, d.indexOf(':'))).distinct().count(),
                List.copyOf(divergences), Map.copyOf(agreement));
        return toRepair;
    }
}
