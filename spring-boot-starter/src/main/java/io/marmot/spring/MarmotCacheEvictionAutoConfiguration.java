package io.marmot.spring;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Condition;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Spring caches cleared on every node when any node writes their tables: on when {@code marmot.cache-eviction.*}
 * maps a table to caches (see {@link MarmotCacheEviction}).
 */
@AutoConfiguration(afterName = {"org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
    "org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration"})
@ConditionalOnClass({DataSource.class, CacheManager.class})
@Conditional(MarmotCacheEvictionAutoConfiguration.Mapped.class)
public class MarmotCacheEvictionAutoConfiguration {
    static final String PREFIX = "marmot.cache-eviction";

    @Bean
    MarmotCacheEviction marmotCacheEviction(Environment env, ObjectProvider<DataSource> dataSources,
            ObjectProvider<CacheManager> cacheManager) {
        return new MarmotCacheEviction(mapping(env), dataSources, cacheManager);
    }

    /** {@code marmot.cache-eviction.<table>=<cache>,<cache>}: cache names by table name in lower case. */
    static Map<String, List<String>> mapping(Environment env) {
        Map<String, String> raw = Binder.get(env).bind(PREFIX, Bindable.mapOf(String.class, String.class))
                .orElse(Map.of());
        Map<String, List<String>> byTable = new LinkedHashMap<>();
        raw.forEach((table, caches) -> byTable.put(table.toLowerCase(Locale.ROOT),
                Arrays.stream(caches.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList()));
        return byTable;
    }

    /** Whether any table is mapped to a cache. */
    static final class Mapped implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return !mapping(context.getEnvironment()).isEmpty();
        }
    }
}
