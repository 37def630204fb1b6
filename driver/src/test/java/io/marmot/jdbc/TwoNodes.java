package io.marmot.jdbc;

import io.marmot.Marmot;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Two replicating nodes in this JVM on a real nats-server, for the driver's tests that need a peer: node 1 in
 * {@code node1.db}, node 2 in {@code node2.db}. It owns the server, the engines and every connection it opened,
 * and closes them all. (Multi-node scenarios beyond this belong to the integration tests' {@code Cluster}.)
 */
final class TwoNodes implements AutoCloseable {
    private final NatsServer nats;
    private final Path[] databases;
    private final List<Connection> opened = new ArrayList<>();

    private TwoNodes(NatsServer nats, Path dir) {
        this.nats = nats;
        this.databases = new Path[] {dir.resolve("node1.db"), dir.resolve("node2.db")};
    }

    static TwoNodes start(Path dir) throws IOException {
        return new TwoNodes(NatsServer.start(dir.resolve("nats")), dir);
    }

    /** Like {@link #start(Path)}, with extra nats-server flags (e.g. {@code -m port} for its monitoring). */
    static TwoNodes start(Path dir, String... natsArgs) throws IOException {
        return new TwoNodes(NatsServer.start(dir.resolve("nats"), natsArgs), dir);
    }

    /** A new connection to node {@code id} (1 or 2); a short poll interval, so peers see each other's writes soon. */
    Connection connect(int id) throws SQLException {
        Connection c = Db.node(databases[id - 1], id, nats.url());
        opened.add(c);
        return c;
    }

    /** Like {@link #connect(int)}, with more parameters ({@code a=1&b=2}). */
    Connection connect(int id, String params) throws SQLException {
        Connection c = Db.node(databases[id - 1], "node-id=" + id + "&nats-url=" + nats.url() + "&poll-interval=50&" + params);
        opened.add(c);
        return c;
    }

    /** The database file of node {@code id} (1 or 2). */
    Path database(int id) {
        return databases[id - 1];
    }

    /** The nats-server both nodes use (tests stop and restart it). */
    NatsServer nats() {
        return nats;
    }

    @Override
    public void close() throws Exception {
        try {
            for (Connection c : opened) {
                c.close(); // a second close is harmless: tests may close their own first
            }
        } finally {
            try {
                Marmot.close(databases[0]);
                Marmot.close(databases[1]);
            } finally {
                nats.close();
            }
        }
    }
}
