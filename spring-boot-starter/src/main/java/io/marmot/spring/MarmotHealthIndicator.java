package io.marmot.spring;

import io.marmot.engine.Health;
import io.marmot.engine.MarmotEngine;
import io.marmot.replication.ReplicationStats;
import java.nio.file.Path;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;

/**
 * The node's {@code health()} as Actuator's {@code marmot} component: UP when ready; DOWN with the problems (each a
 * sentence an operator can act on) when not; OUT_OF_SERVICE while no engine runs for the database. Details name the
 * node and its replication figures, as the sidecar's {@code /health} does.
 */
public final class MarmotHealthIndicator implements HealthIndicator {
    private final MarmotReadings readings;

    public MarmotHealthIndicator(Path database) {
        this.readings = new MarmotReadings(database);
    }

    @Override
    public org.springframework.boot.actuate.health.Health health() {
        org.springframework.boot.actuate.health.Health.Builder b = org.springframework.boot.actuate.health.Health.unknown()
                .withDetail("database", readings.database().toString());
        MarmotEngine engine = readings.engine().orElse(null);
        if (engine == null) {
            return b.status(Status.OUT_OF_SERVICE).withDetail("problems",
                    java.util.List.of("no marmot engine runs for this database in this JVM (closed)")).build();
        }
        Health health = engine.health();
        ReplicationStats s = engine.stats();
        return b.status(health.ready() ? Status.UP : Status.DOWN)
                .withDetail("node", engine.nodeId())
                .withDetail("ready", health.ready())
                .withDetail("problems", health.problems())
                .withDetail("natsUrl", engine.natsUrl())
                .withDetail("natsConnected", engine.natsConnected())
                .withDetail("backlogMessages", s.backlogMessages())
                .withDetail("pendingChanges", s.pendingChanges())
                .withDetail("parkedWaiting", s.parkedWaiting())
                .withDetail("lagMillis", s.lastLagMillis())
                .withDetail("outOfSync", s.outOfSync())
                .withDetail("peersAgreeing", s.peersAgreeing())
                .withDetail("peersDiffering", s.peersDiffering())
                .withDetail("schemaAgrees", s.schemaAgrees())
                .build();
    }
}
