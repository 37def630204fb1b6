import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.marmot.Marmot;
import io.marmot.engine.ClusterLock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import liquibase.Contexts;
import liquibase.Liquibase;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.DirectoryResourceAccessor;
import org.flywaydb.core.Flyway;

/**
 * The recipe: every node of the application migrates at start-up exactly as a single-node application does, only
 * inside Marmot.clusterLock. The first node to take the lock migrates; the others wait, catch up with what it did
 * (schema, data, history) and find nothing left to run.
 *
 * Usage: java -cp <driver jar>:<tools> MigratingApp.java <database> <node-id> <nats-url> flyway|liquibase
 */
public class MigratingApp {
    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        String tool = args[3];
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl("jdbc:marmot:sqlite:" + db + "?node-id=" + args[1] + "&nats-url=" + args[2]
                // Liquibase's lock table is per node: the cluster lock does the cluster-wide part
                + (tool.equals("liquibase") ? "&exclude-tables=DATABASECHANGELOGLOCK" : ""));
        try (HikariDataSource pool = new HikariDataSource(hc)) {
            try (Connection c = pool.getConnection(); // the first connection starts the engine
                    ClusterLock lock = Marmot.clusterLock(db, "migrations", Duration.ofMinutes(5))) {
                if (tool.equals("flyway")) {
                    int ran = Flyway.configure().dataSource(pool).locations("filesystem:examples/migrations/db/flyway")
                            .load().migrate().migrationsExecuted;
                    System.out.println("node " + args[1] + ": Flyway ran " + ran + " migration(s)");
                } else {
                    var database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
                    new Liquibase("changelog.sql", new DirectoryResourceAccessor(Path.of("examples/migrations/db/liquibase")),
                            database).update(new Contexts());
                    c.setAutoCommit(true);
                    System.out.println("node " + args[1] + ": Liquibase done");
                }
            } // closing the lock waits until this node's changes are published, then releases it
            // Show the table once every node migrated (3 rows; prices raised by 10 once, not once per node).
            try (Connection c = pool.getConnection()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (count(c, "SELECT count(*) FROM item WHERE stock = 5") < 3 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                StringBuilder rows = new StringBuilder();
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT name, price FROM item ORDER BY id")) {
                    while (rs.next()) {
                        rows.append(' ').append(rs.getString(1)).append('=').append(rs.getLong(2));
                    }
                }
                System.out.println("node " + args[1] + ": item" + rows);
            }
            Thread.sleep(2000); // a moment for the other nodes, which may still be catching up through this one
        } finally {
            Marmot.closeAll();
        }
    }

    private static long count(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (java.sql.SQLException e) {
            return 0; // no such table yet
        }
    }
}
