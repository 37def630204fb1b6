import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/** Writes through jdbc:marmot:sqlite: and shows what the engine captured. Run by examples/demo.sh. */
public class Demo {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("marmot-demo");
        String url = "jdbc:marmot:sqlite:" + dir.resolve("demo.db") + "?node-id=1";
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE Books (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL,"
                    + " author TEXT NOT NULL, publication_year INTEGER NOT NULL)");
            s.execute("INSERT INTO Books (title, author, publication_year) VALUES ('Pride and Prejudice', 'Jane Austen', 1813)");
            c.setAutoCommit(false);
            s.execute("INSERT INTO Books (title, author, publication_year) VALUES ('Moby Dick', 'Herman Melville', 1851)");
            s.execute("UPDATE Books SET publication_year = 1814 WHERE title = 'Pride and Prejudice'");
            c.commit();
            s.execute("DELETE FROM Books WHERE title = 'Moby Dick'");
            c.rollback();
            c.setAutoCommit(true);
            System.out.println("Database: " + dir.resolve("demo.db"));
            System.out.println("Captured changes (tx group, version, table, op, key):");
            try (ResultSet rs = s.executeQuery("SELECT tx, hlc, tbl, op, c0 FROM __marmot_log ORDER BY seq")) {
                while (rs.next()) {
                    String op = switch (rs.getInt(4)) { case 1 -> "insert"; case 2 -> "update"; default -> "delete"; };
                    System.out.printf("  tx %d  hlc %d  %s  %s  id=%d%n", rs.getLong(1), rs.getLong(2), rs.getString(3), op, rs.getLong(5));
                }
            }
        }
    }
}
