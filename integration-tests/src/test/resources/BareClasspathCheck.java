import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/** Run with nothing but the driver jar on the class path: proves the jar is self-contained. */
public class BareClasspathCheck {
    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:marmot:sqlite:" + args[0] + "?node-id=3");
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            s.execute("INSERT INTO t VALUES (1, 'one')");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM __marmot_log WHERE tbl = 't'")) {
                rs.next();
                System.out.println("captured=" + rs.getInt(1));
            }
            // The driver's connection is sqlite-jdbc's own class, loaded from the same jar.
            System.out.println("sqlite-connection=" + (c instanceof org.sqlite.SQLiteConnection)
                    + " unwrap=" + (c.unwrap(org.sqlite.SQLiteConnection.class) == c));
        }
    }
}
