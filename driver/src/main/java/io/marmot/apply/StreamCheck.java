package io.marmot.apply;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Decides where to read a stream from when binding to it, from the stored position and what the server says now.
 * The stored position is the truth; a stream is the same stream only if it still holds the message at that
 * position with the same timestamp (or, when that message is gone, has the same creation time). A stream created
 * anew is read from its beginning, and what its previous incarnation held beyond the position is recorded as
 * missed. Pure logic: the caller asks the server.
 */
final class StreamCheck {
    /** Server timestamps of one message, seen through two APIs, agree to the nanosecond; allow for rounding. */
    private static final long SAME_TIME_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private StreamCheck() {
    }

    /** What the server reports of a stream: sequences held, and its creation time (epoch ns). */
    record Observed(long first, long last, long created) {
    }

    /** Messages that are gone for good, with the reason. */
    record Gap(long first, long last, String reason) {
    }

    /**
     * @param position the position to keep (reset when the stream is new)
     * @param resumeAt the first sequence to read
     * @param last the stream's last sequence now
     */
    record Decision(StreamPosition position, long resumeAt, boolean recreated, List<Gap> gaps, long last) {
    }

    /**
     * @param stampAtPosition the server's timestamp of the message at {@code stored.seq()} as the stream holds it
     *     now, or null when it holds none there (or the position is 0)
     */
    static Decision onBind(StreamPosition stored, Observed stream, Long stampAtPosition) {
        List<Gap> gaps = new ArrayList<>();
        if (stored.seq() == 0) {
            return new Decision(new StreamPosition(0, stream.created(), 0, stored.tail()), 1, false, gaps, stream.last());
        }
        if (isSameStream(stored, stream, stampAtPosition)) {
            StreamPosition kept = stored.created() == 0
                    ? new StreamPosition(stored.seq(), stream.created(), stored.stamp(), stored.tail()) : stored;
            return new Decision(kept, stored.seq() + 1, false, gaps, stream.last());
        }
        if (stored.tail() > stored.seq()) {
            gaps.add(new Gap(stored.seq() + 1, stored.tail(), "the stream was deleted and created anew (NATS store lost?)"
                    + " before this node applied them"));
        }
        return new Decision(new StreamPosition(0, stream.created(), 0, 0), 1, true, gaps, stream.last());
    }

    private static boolean isSameStream(StreamPosition stored, Observed stream, Long stampAtPosition) {
        if (stream.last() < stored.seq()) {
            return false; // it never reached the position this node read up to
        }
        if (stampAtPosition != null && stored.stamp() != 0) {
            return Math.abs(stampAtPosition - stored.stamp()) < SAME_TIME_NANOS;
        }
        return stored.created() == 0 || Math.abs(stream.created() - stored.created()) < SAME_TIME_NANOS;
    }
}
