import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A two-node cluster in one JVM on the embedded default: no nats-url, so the first node starts a local
 * nats-server and the second joins it. Run by examples/demo.sh, which hands it a directory and removes that
 * directory afterwards, even after Ctrl-C. Run alone (no argument), it works in a temporary directory and
 * removes it when it ends normally.
 */
public class Demo {
    public static void main(String[] args) throws Exception {
        if (args.length > 0) {
            run(Path.of(args[0]));
            return;
        }
        Path dir = Files.createTempDirectory("marmot-demo");
        try {
            run(dir);
        } finally {
            deleteTree(dir);
        }
    }

    /** Both databases, and the embedded nats-server's store beside them, live in {@code dir}. */
    private static void run(Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String schema = "CREATE TABLE IF NOT EXISTS Books (id INTEGER PRIMARY KEY, title TEXT NOT NULL,"
                + " author TEXT NOT NULL, publication_year INTEGER NOT NULL)";
        try (Connection one = DriverManager.getConnection(url(dir, 1, port));
                Connection two = DriverManager.getConnection(url(dir, 2, port));
                Statement s1 = one.createStatement(); Statement s2 = two.createStatement()) {
            s1.execute(schema);
            s2.execute(schema);
            System.out.println("Node 1: " + dir.resolve("node-1.db") + "\nNode 2: " + dir.resolve("node-2.db")
                    + "\nEmbedded nats-server on 127.0.0.1:" + port + "\n");

            s1.execute("INSERT INTO Books VALUES (1, 'Pride and Prejudice', 'Jane Austen', 1813)");
            System.out.println("node 1 inserted 'Pride and Prejudice'");
            show("node 2", s2, 1);

            s2.execute("INSERT INTO Books VALUES (2, 'Moby Dick', 'Herman Melville', 1851)");
            System.out.println("node 2 inserted 'Moby Dick'");
            show("node 1", s1, 2);

            // Both nodes change the same row at once: the later write wins on both.
            s1.execute("UPDATE Books SET publication_year = 1814 WHERE id = 1");
            s2.execute("UPDATE Books SET publication_year = 1815 WHERE id = 1");
            System.out.println("node 1 set the year of book 1 to 1814, node 2 then to 1815");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline && (year(s1) != year(s2))) {
                Thread.sleep(10);
            }
            System.out.println("both nodes now agree: " + year(s1) + " (node 1) and " + year(s2) + " (node 2)");
        } finally {
            io.marmot.Marmot.closeAll(); // stops the engines and the nats-server before their files go
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static String url(Path dir, int node, int port) {
        return "jdbc:marmot:sqlite:" + dir.resolve("node-" + node + ".db") + "?node-id=" + node + "&nats-port=" + port;
    }

    private static void show(String node, Statement s, int rows) throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM Books")) {
                if (rs.next() && rs.getInt(1) >= rows) {
                    break;
                }
            }
            Thread.sleep(1);
        }
        System.out.printf("  %s sees it after %.1f ms:%n", node, (System.nanoTime() - t0) / 1e6);
        try (ResultSet rs = s.executeQuery("SELECT id, title, author, publication_year FROM Books ORDER BY id")) {
            while (rs.next()) {
                System.out.printf("    %d | %s | %s | %d%n", rs.getInt(1), rs.getString(2), rs.getString(3), rs.getInt(4));
            }
        }
    }

    private static int year(Statement s) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT publication_year FROM Books WHERE id = 1")) {
            return rs.next() ? rs.getInt(1) : -1;
        }
    }
}
