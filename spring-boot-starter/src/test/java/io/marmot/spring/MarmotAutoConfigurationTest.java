package io.marmot.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.marmot.Marmot;
import io.marmot.testing.Db;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** The starter's parts, each switched on by what the application has (Micrometer or not, a marmot URL or another). */
class MarmotAutoConfigurationTest {
    @TempDir
    Path dir;

    @AfterEach
    void stopEngines() {
        Marmot.closeAll();
    }

    private ApplicationContextRunner runner(DataSource dataSource) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MarmotAutoConfiguration.class,
                        MarmotActuatorAutoConfiguration.class, MarmotMetricsAutoConfiguration.class))
                .withBean("dataSource", DataSource.class, () -> dataSource);
    }

    private HikariDataSource pool(String url) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setMaximumPoolSize(2);
        return new HikariDataSource(c);
    }

    @Test
    void withoutMicrometerTheFiguresAreMBeans() throws Exception {
        Path db = dir.resolve("jmx.db");
        try (HikariDataSource ds = pool(Db.nodeUrl(db, Db.CAPTURE_ONLY + "&node-id=5"))) {
            runner(ds).withClassLoader(new FilteredClassLoader(MeterRegistry.class)).run(context -> {
                assertTrue(context.getBeansOfType(MeterBinder.class).isEmpty(), "no meters without Micrometer");
                var server = ManagementFactory.getPlatformMBeanServer();
                assertEquals(5L, server.getAttribute(MarmotNodeMBean.name(db), "NodeId"));
                assertEquals(Status.UP, context.getBean("marmotHealthContributor", HealthIndicator.class).health().getStatus());
            });
            assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(MarmotNodeMBean.name(db)),
                    "unregistered with the context");
        }
    }

    @Test
    void withMicrometerTheFiguresAreMetersAndNoMBean() throws Exception {
        Path db = dir.resolve("meters.db");
        try (HikariDataSource ds = pool(Db.nodeUrl(db, Db.CAPTURE_ONLY + "&node-id=6"))) {
            runner(ds).run(context -> {
                assertEquals(1, context.getBeansOfType(MeterBinder.class).size());
                assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(MarmotNodeMBean.name(db)));
            });
        }
    }

    @Test
    void anotherDatabaseIsNeverConnectedTo() throws Exception {
        // A pool on a URL no driver serves: connecting would fail the start-up; the starter must leave it alone.
        try (HikariDataSource ds = new HikariDataSource()) {
            ds.setJdbcUrl("jdbc:postgresql://127.0.0.1:1/none");
            runner(ds).run(context -> {
                assertNull(context.getStartupFailure());
                assertFalse(context.getBean("marmotHealthContributor", CompositeHealthContributor.class).iterator().hasNext(),
                        "no marmot component");
                assertTrue(context.getBeansOfType(MeterBinder.class).size() == 1);
            });
        }
    }

    @Test
    void theUrlAloneNamesTheDriver() {
        assertEquals(MarmotDriverClassName.MARMOT_DRIVER, driverAfter(Map.of(MarmotDriverClassName.URL, "jdbc:marmot:sqlite:a.db")));
        assertEquals("my.Driver", driverAfter(Map.of(MarmotDriverClassName.URL, "jdbc:marmot:sqlite:a.db",
                MarmotDriverClassName.DRIVER, "my.Driver")), "the application's choice wins");
        assertNull(driverAfter(Map.of(MarmotDriverClassName.URL, "jdbc:sqlite:a.db")), "not ours");
        assertNull(driverAfter(Map.of()));
    }

    private static String driverAfter(Map<String, Object> properties) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", properties));
        new MarmotDriverClassName().postProcessEnvironment(env, null);
        return env.getProperty(MarmotDriverClassName.DRIVER);
    }
}
