package io.marmot.engine;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;

/** Tenants of two replicas each, as with a database per tenant: the start the idle-cost tests share. */
final class ReplicatedTenants {
    private ReplicatedTenants() {
    }

    /** Opens both replicas of every tenant from four threads, each creating the table, and closes them. */
    static void openAll(int tenants, BiFunction<Integer, Integer, Path> file, BiFunction<Integer, Integer, String> url)
            throws Exception {
        ExecutorService openers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> opened = new ArrayList<>();
            for (int t = 0; t < tenants; t++) {
                for (int node = 1; node <= 2; node++) {
                    int tenant = t;
                    int n = node;
                    opened.add(openers.submit(() -> {
                        try (Connection c = Db.node(file.apply(tenant, n), url.apply(tenant, n))) {
                            Db.exec(c, "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)");
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : opened) {
                f.get();
            }
        } finally {
            openers.shutdown();
        }
    }

    /**
     * Creates the table on both replicas of every tenant, writes a row on each first replica and waits until every
     * second replica holds it.
     *
     * @param file the file of a tenant's replica (tenant, node 1 or 2)
     * @param url the driver parameters of a tenant's replica
     */
    static void startWithARow(int tenants, Duration within, BiFunction<Integer, Integer, Path> file,
            BiFunction<Integer, Integer, String> url) throws Exception {
        for (int t = 0; t < tenants; t++) {
            for (int node = 1; node <= 2; node++) {
                try (Connection c = Db.node(file.apply(t, node), url.apply(t, node))) {
                    Db.exec(c, "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)");
                }
            }
            try (Connection c = Db.node(file.apply(t, 1), url.apply(t, 1))) {
                Db.exec(c, "INSERT INTO notes VALUES (1, 'tenant " + t + "')");
            }
        }
        for (int t = 0; t < tenants; t++) {
            Path second = file.apply(t, 2);
            Await.until(within, "tenant " + t + "'s row on its second replica",
                    () -> Db.count(second, "SELECT count(*) FROM notes") == 1);
        }
    }
}
