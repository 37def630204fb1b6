package io.marmot.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Run in a fresh JVM by {@link DriverRegistrationTest}: nothing here names the driver class, so the connection
 * can only come from the {@code META-INF/services/java.sql.Driver} registration.
 */
public final class ServiceLoadedMain {
    private ServiceLoadedMain() {
    }

    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:marmot:sqlite:" + args[0]
                + "?node-id=5&publish=false&replicate=false");
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            s.execute("INSERT INTO t VALUES (1, 'via service file')");
            try (ResultSet rs = s.executeQuery("SELECT c1 FROM __marmot_log WHERE tbl = 't'")) {
                rs.next();
                System.out.println("driver=" + DriverManager.getDriver("jdbc:marmot:sqlite:x").getClass().getName());
                System.out.println("captured=" + rs.getString(1));
            }
        }
        io.marmot.Marmot.closeAll();
    }
}
