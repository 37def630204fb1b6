/**
 * Snapshots: consistent copies of a database with the stream positions they reflect, taken, stored and restored
 * so that new and lagging nodes join without replaying every message. Sits above replication (it records
 * positions) and below the engine (which decides when to take and restore them).
 */
package io.marmot.snapshot;
