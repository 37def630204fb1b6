package io.marmot.feed;

/**
 * What the cluster's change feed ({@code change-feed}) did on this node, read at one moment: what
 * {@code MarmotEngine.changeFeedStats()} returns.
 *
 * @param emitting whether this node holds the emitter's lease
 * @param emittedRows row changes this node published to the feed since it started
 * @param missingMessages change-stream messages found gone or unreadable while emitting (they are not in the feed)
 * @param problem why the feed does not go on, null when it does
 * @param groupsGivenUp transactions in chunks whose missing chunks never came while emitting (each logged with its
 *     node and group): their writer most likely published the rows again in other messages, which the feed emits
 */
public record ChangeFeedStats(boolean emitting, long emittedRows, long missingMessages, String problem,
        long groupsGivenUp) {
}
