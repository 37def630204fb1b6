package io.marmot.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/** Writes one row and returns from main without closing anything: the JVM must still exit, after flushing. */
public final class ExitMain {
    public static void main(String[] args) throws Exception {
        Connection c = DriverManager.getConnection("jdbc:marmot:sqlite:" + args[0] + "?node-id=5&nats-url=" + args[1]);
        Statement s = c.createStatement();
        s.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, payload TEXT)");
        s.execute("INSERT INTO events VALUES (42, 'written just before exit')");
        System.out.println("written");
    }
}
