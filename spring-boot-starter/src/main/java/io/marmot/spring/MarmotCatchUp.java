package io.marmot.spring;

import io.marmot.engine.MarmotEngine;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Holds back every marmot DataSource until its node caught up (applied what the change streams hold), so what uses
 * the DataSource at start-up — {@code data.sql}, {@code CommandLineRunner} seeds, caches — sees the cluster's rows
 * rather than an empty or stale file. {@code marmot.catch-up-timeout=0} skips the wait (a node that must start
 * without NATS).
 */
final class MarmotCatchUp implements BeanPostProcessor {
    private static final Logger log = LoggerFactory.getLogger(MarmotCatchUp.class);

    private final Duration timeout;

    MarmotCatchUp(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof DataSource dataSource && !timeout.isZero()) {
            try {
                Optional<MarmotEngine> engine = MarmotDatabases.engine(dataSource);
                if (engine.isPresent()) {
                    long start = System.nanoTime();
                    engine.get().awaitCaughtUp(timeout);
                    log.info("{} - node {} caught up in {} ms", engine.get().database(), engine.get().nodeId(),
                            (System.nanoTime() - start) / 1_000_000);
                }
            } catch (SQLException e) {
                throw new BeanCreationException(beanName, "the marmot node did not catch up with the cluster within "
                        + "marmot.catch-up-timeout (" + timeout + "): " + e.getMessage()
                        + " (marmot.catch-up-timeout=0 starts without waiting)", e);
            }
        }
        return bean;
    }
}
