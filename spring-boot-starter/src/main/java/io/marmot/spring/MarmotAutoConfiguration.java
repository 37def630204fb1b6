package io.marmot.spring;

import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.flyway.FlywayMigrationStrategy;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Start-up in a cluster: every marmot DataSource waits until its node caught up ({@code marmot.catch-up-timeout},
 * default 60 s), and Boot's Flyway and Liquibase migrate inside a cluster lock ({@code marmot.migration-lock-timeout},
 * default 5 min), once for the cluster.
 */
@AutoConfiguration(afterName = "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
        beforeName = {"org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration",
            "org.springframework.boot.autoconfigure.liquibase.LiquibaseAutoConfiguration"})
@ConditionalOnClass(DataSource.class)
public class MarmotAutoConfiguration {
    static final String CATCH_UP_TIMEOUT = "marmot.catch-up-timeout";
    static final String LOCK_TIMEOUT = "marmot.migration-lock-timeout";

    static Duration duration(Environment env, String key, Duration fallback) {
        return Binder.get(env).bind(key, Duration.class).orElse(fallback);
    }

    @Bean
    static MarmotCatchUp marmotCatchUp(Environment env) {
        return new MarmotCatchUp(duration(env, CATCH_UP_TIMEOUT, Duration.ofSeconds(60)));
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.flywaydb.core.Flyway")
    static class FlywayUnderLock {
        @Bean
        @ConditionalOnMissingBean(FlywayMigrationStrategy.class)
        FlywayMigrationStrategy marmotFlywayMigrationStrategy(Environment env) {
            return new MarmotFlywayMigrationStrategy(duration(env, LOCK_TIMEOUT, Duration.ofMinutes(5)));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "liquibase.integration.spring.SpringLiquibase")
    static class LiquibaseUnderLock {
        @Bean
        static MarmotLiquibaseLock marmotLiquibaseLock(Environment env) {
            return new MarmotLiquibaseLock(duration(env, LOCK_TIMEOUT, Duration.ofMinutes(5)));
        }
    }
}
