package io.marmot.spring;

import io.marmot.engine.ClusterLock;
import io.marmot.engine.MarmotEngine;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import liquibase.integration.spring.SpringLiquibase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.liquibase.DataSourceClosingSpringLiquibase;

/**
 * Boot's Liquibase start-up on a marmot DataSource runs once for the cluster, inside the cluster lock
 * {@code liquibase} taken after this node caught up (Liquibase on other databases is left alone).
 * {@code SpringLiquibase} migrates while it is initialised, so this turns that run off before, and runs it under the
 * lock right after.
 */
final class MarmotLiquibaseLock implements BeanPostProcessor {
    private static final Logger log = LoggerFactory.getLogger(MarmotLiquibaseLock.class);

    /** The cluster lock's name, the same on every node. */
    static final String LOCK = "migrations";

    private final Duration timeout;
    private final Set<String> deferred = ConcurrentHashMap.newKeySet();

    MarmotLiquibaseLock(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof SpringLiquibase liquibase && liquibase.getDataSource() != null
                && MarmotDatabases.isMarmot(liquibase.getDataSource()) && shouldRun(liquibase)) {
            liquibase.setShouldRun(false);
            if (liquibase instanceof DataSourceClosingSpringLiquibase closing) {
                closing.setCloseDataSourceOnceMigrated(false); // the skipped run would close it before the real one
            }
            deferred.add(beanName);
            log.info("Liquibase ({}) deferred to run under the marmot cluster lock '{}': its message that it did not"
                    + " run refers to this", beanName, LOCK);
        }
        return bean;
    }

    /** SpringLiquibase has no getter for it; a bean the application turned off stays off. */
    private static boolean shouldRun(SpringLiquibase liquibase) {
        try {
            java.lang.reflect.Field f = SpringLiquibase.class.getDeclaredField("shouldRun");
            f.setAccessible(true);
            return f.getBoolean(liquibase);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return true; // a Liquibase without the field: run it, under the lock
        }
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof SpringLiquibase liquibase && deferred.remove(beanName)) {
            liquibase.setShouldRun(true);
            try {
                Optional<MarmotEngine> engine = MarmotDatabases.engine(liquibase.getDataSource());
                if (engine.isEmpty()) {
                    liquibase.afterPropertiesSet();
                } else {
                    try (ClusterLock lock = engine.get().clusterLock(LOCK, timeout)) {
                        liquibase.afterPropertiesSet();
                    }
                }
                if (liquibase instanceof DataSourceClosingSpringLiquibase && liquibase.getDataSource() instanceof AutoCloseable c) {
                    c.close(); // Liquibase's own DataSource (spring.liquibase.url) served its purpose
                }
            } catch (Exception e) {
                throw new BeanCreationException(beanName, "Liquibase could not run under the marmot cluster lock '" + LOCK
                        + "' (marmot.migration-lock-timeout " + timeout + "): " + e.getMessage(), e);
            }
        }
        return bean;
    }
}
