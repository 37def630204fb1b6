package io.marmot.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The figures without Spring: {@link MarmotMetrics} on a plain Micrometer registry, and the JMX MBean. */
class MarmotMetricsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void metersAndMBeanFollowTheNode() throws Exception {
        Path db = dir.resolve("app.db");
        try (NatsServer nats = NatsServer.start(dir.resolve("nats")); Connection c = Db.node(db, 7, nats.url())) {
            Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'a')");

            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new MarmotMetrics(db).bindTo(registry);
            FunctionCounter published = registry.get("marmot.published.messages").tag("node", "7")
                    .tag("database", db.toString()).functionCounter();
            Await.until(WAIT, "the insert counted as published", () -> published.count() >= 1);
            assertEquals(1.0, registry.get("marmot.up").gauge().value());
            assertEquals(MarmotFigures.ALL.size() + 1, registry.getMeters().stream()
                    .filter(m -> !m.getId().getName().equals("marmot.conflicts")).count(), "one meter per figure, and marmot.up");
            assertTrue(registry.find("marmot.conflicts").tag("kind", "insert-insert").functionCounters().size() == 1,
                    "conflicts by kind");

            try (AutoCloseable mbean = MarmotNodeMBean.register(db)) {
                MBeanServer server = ManagementFactory.getPlatformMBeanServer();
                ObjectName name = new ObjectName("io.marmot:type=Node,database=" + ObjectName.quote(db.toString()));
                assertEquals(7L, server.getAttribute(name, "NodeId"));
                assertTrue((Double) server.getAttribute(name, "PublishedMessages") >= 1);
                assertEquals(0.0, server.getAttribute(name, "RowsRepaired"));
                assertEquals(MarmotFigures.ALL.size() + 4, server.getMBeanInfo(name).getAttributes().length);
                Await.until(WAIT, "the node ready", () -> (Boolean) server.getAttribute(name, "Ready"));
            }
            assertTrue(ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("io.marmot:*"), null).isEmpty(),
                    "unregistered on close");
        } finally {
            io.marmot.Marmot.close(db); // its threads write the file and NATS' store until stopped
        }
    }
}
