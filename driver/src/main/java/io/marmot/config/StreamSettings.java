package io.marmot.config;

import java.time.Duration;

/** The JetStream streams the change log travels in; applied when the engine creates them. */
public record StreamSettings(int shards, long maxEntries, long maxBytes, Duration maxAge, int replicas,
        String subjectPrefix, String streamPrefix) {

    /** Marmot's naming: {@code <stream-prefix>-<shards>-<shard>}, shards numbered from 1. */
    public String streamName(int shard) {
        return streamPrefix + "-" + shards + "-" + shard;
    }

    /** Every subject of a shard: {@code <subject-prefix>-<shard>.<node>}. */
    public String subjects(int shard) {
        return subjectPrefix + "-" + shard + ".*";
    }

    public String subject(int shard, long nodeId) {
        return subjectPrefix + "-" + shard + "." + nodeId;
    }

    /** The shard a node publishes to: all of a node's changes stay in one stream, in commit order. */
    public int shardOf(long nodeId) {
        return (int) Long.remainderUnsigned(nodeId, shards) + 1;
    }
}
