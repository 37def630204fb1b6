package io.marmot.spring.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import io.marmot.testing.Await;
import io.marmot.testing.NatsServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Spring's cache abstraction on two nodes (two application contexts, one nats-server): a price read through
 * {@code @Cacheable} on node B is read afresh after node A changed it, because {@code marmot.cache-eviction.items=prices}
 * clears B's cache when A's transaction is applied there. Without the mapping, B keeps serving the stale price.
 */
class CacheEvictionTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private NatsServer nats;

    @BeforeEach
    void startNats() throws Exception {
        nats = NatsServer.start(dir.resolve("nats"));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            Marmot.closeAll();
        } finally {
            nats.close();
        }
    }

    @Test
    void nodeBsCachedPriceIsReadAfreshAfterNodeAsWrite() throws Exception {
        try (ConfigurableApplicationContext a = node(1, "marmot.cache-eviction.items=prices");
                ConfigurableApplicationContext b = node(2, "marmot.cache-eviction.items=prices")) {
            Prices onB = pricedOnBoth(a, b);
            assertEquals(10, onB.price(1));
            int reads = onB.reads();
            assertEquals(10, onB.price(1), "cached");
            assertEquals(reads, onB.reads(), "the second read came from the cache");

            a.getBean(JdbcTemplate.class).update("UPDATE items SET price = 20 WHERE id = 1");
            Await.until(WAIT, "node B's cached price follows node A's write", () -> onB.price(1) == 20);
            assertEquals(20, b.getBean(JdbcTemplate.class).queryForObject("SELECT price FROM items WHERE id = 1",
                    Integer.class));
        }
    }

    @Test
    void withoutTheMappingNodeBKeepsServingTheStalePrice() throws Exception {
        try (ConfigurableApplicationContext a = node(1, "marmot.catch-up-timeout=60s");
                ConfigurableApplicationContext b = node(2, "marmot.catch-up-timeout=60s")) {
            Prices onB = pricedOnBoth(a, b);
            assertEquals(10, onB.price(1));
            a.getBean(JdbcTemplate.class).update("UPDATE items SET price = 20 WHERE id = 1");
            JdbcTemplate bJdbc = b.getBean(JdbcTemplate.class);
            Await.until(WAIT, "node B has node A's price",
                    () -> bJdbc.queryForObject("SELECT price FROM items WHERE id = 1", Integer.class) == 20);
            assertEquals(10, onB.price(1), "the cache was never told");
        }
    }

    /** The table on node A with one price, replicated to node B; node B's cached reader. */
    private static Prices pricedOnBoth(ConfigurableApplicationContext a, ConfigurableApplicationContext b)
            throws Exception {
        JdbcTemplate aJdbc = a.getBean(JdbcTemplate.class);
        aJdbc.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, price INTEGER NOT NULL)");
        aJdbc.update("INSERT INTO items (id, price) VALUES (1, 10)");
        JdbcTemplate bJdbc = b.getBean(JdbcTemplate.class);
        Await.until(WAIT, "node B has the price", () -> bJdbc.queryForObject(
                "SELECT count(*) FROM sqlite_master WHERE name = 'items'", Integer.class) == 1
                && bJdbc.queryForObject("SELECT count(*) FROM items", Integer.class) == 1);
        return b.getBean(Prices.class);
    }

    private ConfigurableApplicationContext node(int id, String property) {
        String url = "jdbc:marmot:sqlite:" + dir.resolve("node" + id + ".db") + "?node-id=" + id + "&nats-url="
                + nats.url() + "&poll-interval=50";
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("spring.datasource.url=" + url, "spring.flyway.enabled=false",
                        "spring.liquibase.enabled=false", property)
                .run();
    }

    /** An application with a cached reader of prices. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    @EnableCaching
    static class App {
        @Bean
        CacheManager cacheManager() {
            return new ConcurrentMapCacheManager("prices");
        }

        @Bean
        Prices prices(JdbcTemplate jdbc) {
            return new Prices(jdbc);
        }
    }

    /** Reads a price, cached by id; counts the reads that reached the database. */
    public static class Prices {
        private final JdbcTemplate jdbc;
        private final AtomicInteger reads = new AtomicInteger();

        public Prices(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        /** Through the proxy: the proxy's own fields are not the bean's. */
        public int reads() {
            return reads.get();
        }

        @Cacheable("prices")
        public int price(long id) {
            reads.incrementAndGet();
            return jdbc.queryForObject("SELECT price FROM items WHERE id = ?", Integer.class, id);
        }
    }
}
