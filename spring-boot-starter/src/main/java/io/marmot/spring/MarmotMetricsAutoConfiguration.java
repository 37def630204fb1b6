package io.marmot.spring;

import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The figures of every marmot DataSource's node: as Micrometer meters ({@link MarmotMetrics}, bound by Boot to its
 * registries) when Micrometer is on the classpath, else as JMX MBeans ({@link MarmotNodeMBean}).
 */
@AutoConfiguration(after = MarmotAutoConfiguration.class,
        afterName = "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration")
@ConditionalOnBean(DataSource.class)
public class MarmotMetricsAutoConfiguration {
    static Set<Path> databases(Map<String, DataSource> dataSources) {
        Set<Path> out = new LinkedHashSet<>();
        dataSources.values().forEach(ds -> MarmotDatabases.database(ds).ifPresent(out::add));
        return out;
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class Meters {
        @Bean
        MeterBinder marmotMetrics(Map<String, DataSource> dataSources) {
            Set<Path> databases = databases(dataSources);
            return registry -> databases.forEach(db -> new MarmotMetrics(db).bindTo(registry));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingClass("io.micrometer.core.instrument.MeterRegistry")
    static class Jmx {
        @Bean
        MBeans marmotMBeans(Map<String, DataSource> dataSources) throws Exception {
            return new MBeans(databases(dataSources));
        }
    }

    /** The MBeans of the marmot databases, registered while the context lives. */
    static final class MBeans implements DisposableBean {
        private final java.util.List<AutoCloseable> registered = new java.util.ArrayList<>();

        MBeans(Set<Path> databases) throws Exception {
            for (Path db : databases) {
                if (!java.lang.management.ManagementFactory.getPlatformMBeanServer().isRegistered(MarmotNodeMBean.name(db))) {
                    registered.add(MarmotNodeMBean.register(db));
                }
            }
        }

        @Override
        public void destroy() throws Exception {
            for (AutoCloseable r : registered) {
                r.close();
            }
        }
    }
}
