package io.marmot.spring;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Actuator's {@code marmot} health component: one {@link MarmotHealthIndicator} for the marmot DataSource, or one per
 * DataSource bean name when there are several.
 */
@AutoConfiguration(after = MarmotAutoConfiguration.class,
        afterName = "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration")
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(DataSource.class)
public class MarmotActuatorAutoConfiguration {
    @Bean
    @ConditionalOnMissingBean(name = "marmotHealthContributor")
    HealthContributor marmotHealthContributor(Map<String, DataSource> dataSources) {
        Map<String, HealthContributor> byName = new LinkedHashMap<>();
        dataSources.forEach((name, ds) -> MarmotDatabases.database(ds).ifPresent(db -> byName.put(name, indicator(db))));
        if (byName.size() == 1) {
            return byName.values().iterator().next();
        }
        return CompositeHealthContributor.fromMap(byName);
    }

    private static HealthContributor indicator(Path database) {
        return new MarmotHealthIndicator(database);
    }
}
