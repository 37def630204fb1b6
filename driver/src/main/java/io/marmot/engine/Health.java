package io.marmot.engine;

import io.marmot.replication.ReplicationStats;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a node can be trusted to converge right now, and if not, why: each problem is one sentence an operator
 * can act on. A node is ready when nothing is wrong; it is never ready while it knows it diverges.
 *
 * @param ready no problem
 * @param problems what is wrong, empty when ready
 */
public record Health(boolean ready, List<String> problems) {
    /** An applier failing this many times in a row, or for this long, is stuck rather than unlucky. */
    static final int STUCK_AFTER_FAILURES = 3;
    static final long STUCK_AFTER_MILLIS = 5_000;

    static Health of(boolean natsNeeded, boolean natsConnected, ReplicationStats s, long maxClockSkewMillis,
            List<String> others) {
        List<String> problems = new ArrayList<>();
        if (natsNeeded && !natsConnected) {
            problems.add("not connected to NATS: changes wait in the change log");
        }
        if (s.outOfSync()) {
            problems.add("out of sync: " + s.missedMessages() + " message(s) of other nodes are gone for good and were"
                    + " never applied (see io.marmot.Marmot.missedRanges)");
        }
        if (s.parkedWaiting() > 0) {
            problems.add(s.parkedWaiting() + " transaction(s) of other nodes could not be applied here and wait in"
                    + " __marmot_parked (the log names table, key and reason); they are tried again when the schema"
                    + " changes");
        }
        long failingFor = since(s.failingSinceMillis());
        if (s.failingSinceMillis() != 0 && (failingFor >= STUCK_AFTER_MILLIS || s.consecutiveFailures() >= STUCK_AFTER_FAILURES)) {
            problems.add("the applier has been failing for " + failingFor / 1000 + " s (" + s.backlogMessages()
                    + " message(s) waiting): " + s.lastApplyError());
        }
        long publishFailingFor = since(s.publishFailingSinceMillis());
        if (natsConnected && publishFailingFor >= STUCK_AFTER_MILLIS) {
            problems.add("publishing has been failing for " + publishFailingFor / 1000 + " s (" + s.pendingChanges()
                    + " change(s) wait in the change log): " + s.lastPublishError());
        }
        long setUpFailingFor = since(s.setUpFailingSinceMillis());
        if (natsConnected && setUpFailingFor >= STUCK_AFTER_MILLIS) {
            problems.add("connected to NATS, but setting up the change streams has been failing for "
                    + setUpFailingFor / 1000 + " s (nothing is published or applied): " + s.lastSetUpError());
        }
        long lookOverdue = since(s.feedLookDueMillis());
        if (natsConnected && lookOverdue > STUCK_AFTER_MILLIS) {
            problems.add("how far this node is behind the change streams was last checked " + lookOverdue / 1000
                    + " s later than due (the process was paused, or the applying threads are saturated)");
        }
        if (!s.feedProblem().isEmpty()) {
            problems.add(s.feedProblem());
        }
        if (s.clockKnown() && Math.abs(s.clockOffsetMillis()) > maxClockSkewMillis) {
            problems.add("this node's clock is " + Math.abs(s.clockOffsetMillis()) + " ms "
                    + (s.clockOffsetMillis() > 0 ? "ahead of" : "behind") + " the NATS server's, more than max-clock-skew ("
                    + maxClockSkewMillis + " ms): its versions are held to that bound; fix the clock (NTP)");
        }
        for (String d : s.divergences()) {
            problems.add(d + ", at the same stream positions (a write that bypassed capture, rows older than"
                    + " capture, a lost store); compare the table on both nodes");
        }
        problems.addAll(others);
        return new Health(problems.isEmpty(), List.copyOf(problems));
    }

    /** Milliseconds since {@code millis}, 0 when it is 0 (not failing). */
    private static long since(long millis) {
        return millis == 0 ? 0 : Math.max(0, System.currentTimeMillis() - millis);
    }
}
