package io.marmot.spring;

import io.marmot.engine.MarmotEngine;
import io.marmot.listen.ChangeEvent;
import io.marmot.listen.ChangeListener;
import io.marmot.listen.ChangedRow;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * Clears Spring caches when rows of their tables change on this node, whoever wrote them: the application here, a
 * peer (applied here), a repair or a merged snapshot. {@code marmot.cache-eviction.<table>=<cache>[,<cache>…]} names
 * the caches that hold a table's rows; each is cleared after every committed transaction that changed the table (a
 * cache key is the application's own, so a whole cache is cleared, never a guessed entry), and all of them when the
 * listener missed events ({@code onGap}). Clearing happens after the commit, on a listener thread: a read between a
 * peer's commit and the clearing may still see the cached value.
 */
final class MarmotCacheEviction implements SmartInitializingSingleton, DisposableBean, ChangeListener {
    private static final Logger log = LoggerFactory.getLogger(MarmotCacheEviction.class);

    /** Cache names by table name in lower case (SQLite's names are case-insensitive). */
    private final Map<String, List<String>> cachesByTable;
    private final ObjectProvider<DataSource> dataSources;
    private final ObjectProvider<CacheManager> cacheManager;
    private final List<MarmotEngine> engines = new ArrayList<>();

    MarmotCacheEviction(Map<String, List<String>> cachesByTable, ObjectProvider<DataSource> dataSources,
            ObjectProvider<CacheManager> cacheManager) {
        this.cachesByTable = cachesByTable;
        this.dataSources = dataSources;
        this.cacheManager = cacheManager;
    }

    @Override
    public void afterSingletonsInstantiated() {
        for (DataSource ds : dataSources.orderedStream().toList()) {
            try {
                MarmotDatabases.engine(ds).ifPresent(engine -> {
                    engine.addChangeListener(this);
                    engines.add(engine);
                    log.info("{} - caches follow their tables' changes: {}", engine.database(), cachesByTable);
                });
            } catch (SQLException e) {
                throw new IllegalStateException("marmot.cache-eviction: cannot open a connection to find the marmot"
                        + " database: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void onChange(ChangeEvent event) {
        Set<String> caches = new LinkedHashSet<>();
        for (ChangedRow row : event.rows()) {
            List<String> names = cachesByTable.get(row.table().toLowerCase(Locale.ROOT));
            if (names != null) {
                caches.addAll(names);
            }
        }
        caches.forEach(this::clear);
    }

    @Override
    public void onGap(long missedEvents) {
        cachesByTable.values().stream().flatMap(List::stream).distinct().forEach(this::clear);
    }

    private void clear(String name) {
        CacheManager manager = cacheManager.getIfAvailable();
        Cache cache = manager == null ? null : manager.getCache(name);
        if (cache != null) {
            cache.clear();
        }
    }

    @Override
    public void destroy() {
        for (MarmotEngine engine : engines) {
            if (!engine.isClosed()) {
                engine.removeChangeListener(this);
            }
        }
        engines.clear();
    }
}
