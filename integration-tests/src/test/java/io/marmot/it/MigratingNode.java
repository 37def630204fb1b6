package io.marmot.it;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.marmot.Marmot;
import io.marmot.engine.ClusterLock;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import liquibase.Contexts;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.ClassLoaderResourceAccessor;
import org.flywaydb.core.Flyway;

/**
 * An application node as the README's recipe has it: a HikariCP pool on the driver, and at start-up, under the
 * cluster lock, Flyway or Liquibase migrates exactly as on a single node. Prints {@code migrated <n>} (migrations
 * this node ran), then serves until {@code quit}.
 *
 * <p>Arguments: database, node id, nats-url, {@code flyway|liquibase}, migrations location, extra URL parameters.
 */
public final class MigratingNode {
    private MigratingNode() {
    }

    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl("jdbc:marmot:sqlite:" + db + "?node-id=" + args[1] + "&nats-url=" + args[2]
                + (args.length > 5 && !args[5].isEmpty() ? "&" + args[5] : ""));
        hc.setMaximumPoolSize(4);
        try (HikariDataSource pool = new HikariDataSource(hc)) {
            int ran;
            try (Connection keep = pool.getConnection(); // starts the engine
                    ClusterLock lock = Marmot.clusterLock(db, "migrations", Duration.ofMinutes(2))) {
                ran = args[3].equals("flyway") ? flyway(pool, args[4]) : liquibase(keep, args[4]);
            }
            System.out.println("migrated " + ran);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
                try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                    s.execute(line);
                }
                System.out.println("ok");
            }
        } finally {
            Marmot.closeAll();
        }
    }

    private static int flyway(HikariDataSource pool, String location) {
        return Flyway.configure().dataSource(pool).locations("classpath:" + location).load().migrate().migrationsExecuted;
    }

    private static int liquibase(Connection c, String changelog) throws Exception {
        long before = changesets(c);
        Database database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
        new Liquibase(changelog, new ClassLoaderResourceAccessor(), database).update(new Contexts());
        c.setAutoCommit(true);
        return (int) (changesets(c) - before);
    }

    private static long changesets(Connection c) throws Exception {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE name = 'DATABASECHANGELOG'")) {
            rs.next();
            if (rs.getLong(1) == 0) {
                return 0;
            }
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM DATABASECHANGELOG")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
