package io.marmot.apply;

import io.marmot.nats.NatsLink;
import io.marmot.nats.StreamEnds;
import io.marmot.replication.Daemons;
import io.marmot.replication.ReplicationCounters;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The applier's check on its own feeds. An ordered consumer can stop delivering while NATS stays connected (seen for
 * 77-91 s after a server of the cluster was killed or paused): nothing arrives, nothing fails, and the node would
 * look ready while peers' rows are missing. So every few seconds this reads each stream's last sequence from the
 * server and compares it with what the node applied. A stream end not applied {@value #BEHIND_AFTER_SECONDS} s after
 * it was seen, or a message not applied that was published more than that long ago, makes the node "behind" (not
 * ready, with the number of messages); if nothing at all was applied or received meanwhile, the feed is stalled
 * and is read again from the applied position; sooner if, at a later look, no server answers for its consumer (an
 * R1 consumer whose server died). A feed (re)started gets its own time. A look long overdue (the JVM was paused)
 * makes the node not ready too, until the next look says how far it is. A server that cannot answer for the stream
 * (frozen, or its store lost: "stream not found") is reported, and after a few failed looks the connection moves to
 * another server of the cluster; a server that answers pings while the stream does not (a leader election after
 * another server died) is waited for instead.
 *
 * <p>Looks run on the applier's own step, so they never race it; while the node is idle and caught up they space
 * out ({@link LookPace}), and read the streams' ends from the listing every engine on the connection shares
 * ({@link StreamEnds}), so a thousand idle databases cost a listing every few seconds, not a request per stream. An
 * end a look cannot take from the listing (the stream is not in it, the listing failed or is too old) or one that
 * says the node is behind is asked of the stream itself, as are all ends while the feeds are active.
 */
final class FeedWatchdog {
    private static final Logger log = LoggerFactory.getLogger(FeedWatchdog.class);
    static final long BEHIND_AFTER_SECONDS = 5;
    private static final long BEHIND_AFTER_NANOS = TimeUnit.SECONDS.toNanos(BEHIND_AFTER_SECONDS);
    private static final long BEHIND_AFTER_MILLIS = TimeUnit.SECONDS.toMillis(BEHIND_AFTER_SECONDS);
    /** Failed looks in a row before the problem is reported (one timeout is no cause for alarm). */
    private static final int FAILURES_REPORTED = 2;
    private static final int FAILURES_BEFORE_RECONNECT = 3;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

    private final long nodeId;
    private final ReplicationCounters stats;
    private final Supplier<StreamEnds> shared;
    /** Selects this node's streams, among others of their shape, in the shared listing. */
    private final String listingFilter;
    private final Map<String, Mark> marks = new HashMap<>();
    private final LookPace pace = new LookPace();
    private final Runnable wake;
    private int failures;

    /** A stream's end as seen at {@code seenAt}, not applied then, and what was applied at that moment. */
    private record Mark(long end, long seenAt, long appliedThen) {
    }

    /**
     * @param link the connection's link (null: none; every look asks directly): its shared listing of the streams'
     *     ends, and its word that a server of the cluster left
     * @param streamSubjects the subjects of one of the streams watched, to select their kind in the listing
     * @param wake brings the applier's next tick forward (a tick still set for the idle look 20 s away would keep the
     *     looks at that pace)
     */
    FeedWatchdog(long nodeId, ReplicationCounters stats, NatsLink link, String streamSubjects, Runnable wake) {
        this.nodeId = nodeId;
        this.stats = stats;
        this.shared = link == null ? () -> null : link::streamEnds;
        this.listingFilter = StreamEnds.filterLike(streamSubjects);
        this.wake = wake;
        if (link != null) {
            link.onServerLeft(this::serverLeft);
        }
    }

    /** A server of the cluster left: a look at once, and every few seconds for a while (any thread). */
    private void serverLeft() {
        pace.serverLeft();
        wake.run();
    }

    boolean due() {
        return pace.due();
    }

    /** How long until the next look is due (negative: overdue). */
    long nanosUntilDue() {
        return pace.nanosUntilDue();
    }

    /** Whether the feeds were active lately (the looks come every few seconds, not spaced out). */
    boolean watching() {
        return pace.watching();
    }

    /** Something happened (a delivery): look again soon. */
    void soon() {
        pace.soon();
    }

    /**
     * The stream's feed was (re)started: it gets its own time to deliver (what was seen of the feed it replaced, maybe
     * seconds of silence while a new consumer could not be created, would have it read again the moment it began).
     */
    void started(String stream) {
        marks.remove(stream);
        pace.soon();
    }

    /** The feeds stopped (not connected, replication paused): what was seen before says nothing now. */
    void reset() {
        marks.clear();
        failures = 0;
        stats.behindMessages = 0;
        stats.feedProblem = "";
        stats.feedLookDueMillis = 0;
    }

    /**
     * Looks at every stream once.
     *
     * @param applied per stream, the last sequence handled (-1: not bound yet)
     * @param receiving whether messages wait in the feeds' buffer (a feed that delivers is not stalled)
     * @param consumers per stream, the name of its feed's consumer (null while none is known)
     * @return the streams whose feed is stalled, to be read again from what was applied
     */
    List<String> look(Connection nc, List<String> streams, ToLongFunction<String> applied, boolean receiving,
            Function<String, String> consumers) {
        long now = System.nanoTime();
        boolean idle = pace.idle();
        StreamEnds.Listing listing = null;
        /* When the oldest end this look relied on was read (the next look comes at most the idle interval after). */
        long seen = now;
        List<String> stalled = new ArrayList<>();
        long behind = 0;
        StringBuilder problem = new StringBuilder();
        boolean active = receiving;
        try {
            JetStreamManagement jsm = nc.jetStreamManagement(JetStreamOptions.builder().requestTimeout(REQUEST_TIMEOUT).build());
            for (String stream : streams) {
                long done = applied.applyAsLong(stream);
                if (done < 0) {
                    marks.remove(stream);
                    continue;
                }
                if (idle && listing == null) {
                    listing = listing(nc, now);
                }
                Long listed = listing == null ? null : listing.end(stream);
                if (listed != null && done >= listed) {
                    marks.remove(stream);
                    if (listing.askedAt() - seen < 0) {
                        seen = listing.askedAt();
                    }
                    continue;
                }
                long end = jsm.getStreamInfo(stream).getStreamState().getLastSequence();
                Mark mark = marks.get(stream);
                if (done >= end) {
                    marks.remove(stream);
                    continue;
                }
                active = true;
                if (mark == null || done >= mark.end()) {
                    mark = new Mark(end, now, done);
                    marks.put(stream, mark);
                }
                long markAge = now - mark.seenAt();
                long oldestAge = ageMillis(jsm, stream, done + 1);
                boolean silent = done == mark.appliedThen() && !receiving;
                // Silent since an earlier look, or for long: a consumer no server answers for will never deliver.
                boolean gone = silent && (markAge > 0 || oldestAge >= BEHIND_AFTER_MILLIS)
                        && FeedProbes.consumerGone(nc, stream, consumers.apply(stream));
                if (!gone && markAge < BEHIND_AFTER_NANOS && oldestAge < BEHIND_AFTER_MILLIS) {
                    continue;
                }
                behind += end - done;
                if (problem.length() > 0) {
                    problem.append("; ");
                }
                problem.append("behind by ").append(end - done).append(" message(s) on stream ").append(stream)
                        .append(oldestAge >= 0 ? ": the oldest was published " + oldestAge / 1000 + " s ago"
                                : ": what it held " + TimeUnit.NANOSECONDS.toSeconds(markAge) + " s ago is not applied yet");
                if (silent && (gone || markAge >= BEHIND_AFTER_NANOS)) {
                    stalled.add(stream);
                    stats.feedStalls.incrementAndGet();
                    marks.put(stream, new Mark(end, now, done));
                    problem.append(" (its feed delivered nothing: read again from ").append(done + 1).append(')');
                    log.warn("{} - the feed of stream {} delivered nothing for {} s while the stream holds {} message(s)"
                            + " this node has not applied (applied up to {}, stream ends at {}){}: reading it again",
                            nodeId, stream, Math.max(TimeUnit.NANOSECONDS.toSeconds(markAge), oldestAge / 1000),
                            end - done, done, end, gone ? ", and no server answers for its consumer" : "");
                }
            }
            failures = 0;
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            failures++;
            active = true;
            if (failures >= FAILURES_REPORTED) {
                problem.setLength(0);
                problem.append("the NATS server ").append(FeedProbes.server(nc))
                        .append(" cannot tell how far the change streams go (").append(failures)
                        .append(" looks in a row failed): ").append(e.getMessage());
                if (failures == FAILURES_REPORTED) { // one line per outage: the health problem keeps counting
                    log.warn("{} - the NATS server {} cannot serve the change streams ({} looks in a row failed): {}",
                            nodeId, FeedProbes.server(nc), failures, e.toString());
                }
            }
            if (failures >= FAILURES_BEFORE_RECONNECT && nc.getServers().size() > 1
                    && (FeedProbes.streamNotFound(e) || !FeedProbes.answersPing(nc))) {
                failures = 0;
                moveToAnotherServer(nc);
            }
        }
        stats.behindMessages = behind;
        if (problem.length() > 0 || failures == 0) {
            stats.feedProblem = problem.toString();
        }
        long wait = pace.next(active, seen, now);
        stats.feedLookDueMillis = System.currentTimeMillis() + TimeUnit.NANOSECONDS.toMillis(wait);
        return stalled;
    }

    /** The shared listing, if one recent enough for the pace of looks can be had; else null. */
    private StreamEnds.Listing listing(Connection nc, long now) {
        StreamEnds ends = shared.get();
        return ends == null ? null : ends.since(nc, listingFilter, now - pace.listingAtMostNanos(now));
    }

    /**
     * How long ago (by the server's clock, as far as this node measured its own against it) the message at
     * {@code seq} was published; -1 when it cannot be read (gone, or the server does not answer).
     */
    private long ageMillis(JetStreamManagement jsm, String stream, long seq) {
        try {
            long published = jsm.getMessage(stream, seq).getTime().toInstant().toEpochMilli();
            long serverNow = System.currentTimeMillis() - (stats.clockKnown ? stats.clockOffsetMillis : 0);
            return Math.max(0, serverNow - published);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            return -1;
        }
    }

    /** The connection is shared by this JVM's engines; they all move, which is what they need too. */
    private void moveToAnotherServer(Connection nc) {
        log.warn("{} - moving to another NATS server of the cluster: {} cannot serve the change streams", nodeId,
                FeedProbes.server(nc));
        Daemons.thread("marmot-reconnect", () -> {
            try {
                nc.forceReconnect();
            } catch (IOException e) {
                log.warn("{} - moving to another NATS server failed: {}", nodeId, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).start();
    }
}
