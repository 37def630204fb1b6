package io.marmot.config;

import java.time.Duration;

/**
 * When this node takes snapshots and how a new database waits for one.
 *
 * @param interval time between snapshots; zero: this node never takes one
 * @param keep how many snapshots the Object Store keeps
 * @param restoreWait how long a new database waits for NATS before it opens empty
 */
public record SnapshotSettings(Duration interval, int keep, Duration restoreWait) {

    /** Whether this node takes snapshots on its own (on schedule, and before retention could outrun them). */
    public boolean takes() {
        return !interval.isZero();
    }
}
