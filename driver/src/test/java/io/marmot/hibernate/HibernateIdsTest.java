package io.marmot.hibernate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.clock.ClusterId;
import io.marmot.fixture.TwoNodes;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Hibernate (6.6, SQLiteDialect) on two nodes, each persisting 200 entities at the same time, one transaction
 * each: with {@link MarmotId} every entity is kept on both nodes; with {@code GenerationType.IDENTITY} both nodes pick
 * the same rowids and rows replace each other, which the engine reports once per table.
 */
class HibernateIdsTest {
    private static final int ENTITIES = 200;
    @TempDir
    Path dir;
    @RegisterExtension
    final TwoNodes nodes = TwoNodes.perTest();
    NatsServer nats;
    Path[] dbs;
    SessionFactory[] factories = new SessionFactory[2];
    Connection[] looks = new Connection[2];

    @BeforeEach
    void startTwoNodes() throws Exception {
        nats = nodes.nats();
        dbs = new Path[] {nodes.database(1), nodes.database(2)};
        factories[0] = factory(1, "create-only"); // Hibernate creates the tables on node 1; they replicate
        looks[1] = nodes.connect(2);
        Await.until(Duration.ofSeconds(20), "node 2 has the tables", () -> {
            try {
                return Db.count(looks[1], "SELECT (SELECT count(*) FROM items) + (SELECT count(*) FROM identity_items)"
                        + " + (SELECT count(*) FROM generic_items)") >= 0;
            } catch (SQLException notYet) {
                return false;
            }
        });
        factories[1] = factory(2, "none");
        looks[0] = nodes.connect(1);
    }

    @AfterEach
    void closeFactories() {
        for (SessionFactory f : factories) { // before the nodes' engines close (the extension, after this)
            if (f != null) {
                f.close();
            }
        }
    }

    @Test
    void theGeneratorKeepsEveryEntityOnBothNodes() throws Exception {
        try (StderrCapture log = new StderrCapture()) {
            persistOnBothNodesAtOnce(n -> new Item(0, n));
            for (Connection c : looks) {
                Await.until(Duration.ofSeconds(30), "all 400 entities on both nodes",
                        () -> Db.count(c, "SELECT count(*) FROM items") == 2 * ENTITIES);
            }
            assertEquals(Db.dump(dbs[0]), Db.dump(dbs[1]), "both files hold the same rows");
            for (int node = 1; node <= 2; node++) {
                assertEquals(ENTITIES, Db.count(looks[0], "SELECT count(*) FROM items WHERE node = ? AND n BETWEEN 0 AND ?",
                        node, ENTITIES - 1), "node " + node + "'s entities all there");
            }
            for (List<Object> row : Db.list(looks[0], "SELECT id, node FROM items")) {
                assertEquals(((Number) row.get(1)).longValue(), ClusterId.nodeOf(((Number) row.get(0)).longValue()));
            }
            assertEquals(0, Db.count(looks[0], "SELECT count(*) FROM __marmot_conflicts")
                    + Db.count(looks[1], "SELECT count(*) FROM __marmot_conflicts"));
            assertTrue(!log.text().contains("into table items"), "no collision reported");
        }
    }

    @Test
    void identityLosesEntitiesAndTheCollisionIsReportedOncePerTable() throws Exception {
        try (StderrCapture log = new StderrCapture()) {
            persistOnBothNodesAtOnce(n -> new IdentityItem(0, n));
            // The nodes converge, on fewer rows than were persisted: colliding rowids replaced each other.
            Await.until(Duration.ofSeconds(30), "both nodes equal", () -> Db.dump(dbs[0]).equals(Db.dump(dbs[1])));
            long kept = Db.count(looks[0], "SELECT count(*) FROM identity_items");
            assertTrue(kept < 2 * ENTITIES, "IDENTITY kept all " + kept + " entities: no rowid collided this time");
            long recorded = Db.count(looks[0], "SELECT count(*) FROM __marmot_conflicts WHERE kind = 'insert-insert'")
                    + Db.count(looks[1], "SELECT count(*) FROM __marmot_conflicts WHERE kind = 'insert-insert'");
            assertTrue(recorded >= 2 * ENTITIES - kept, "every lost entity is in __marmot_conflicts: " + recorded);
            String warning = "into table identity_items";
            Await.until(Duration.ofSeconds(10), "the collision logged", () -> log.text().contains(warning));
            long times = log.text().lines().filter(l -> l.contains(warning)).count();
            assertTrue(times <= 2, "logged once per table and node, not " + times + " times");
            String line = log.text().lines().filter(l -> l.contains(warning)).findFirst().orElseThrow();
            assertTrue(line.contains("WARN") && line.contains("marmot_id()") && line.contains("@MarmotId"), line);
            System.out.println("IDENTITY on two nodes: " + kept + " of " + 2 * ENTITIES + " entities kept");
        }
    }

    @Test
    void genericGeneratorNamesTheSameGenerator() throws Exception {
        GenericItem item = new GenericItem("one");
        factories[1].inTransaction(s -> s.persist(item));
        assertEquals(2, ClusterId.nodeOf(item.id), "the id the application holds names node 2");
        Await.until(Duration.ofSeconds(20), "the row on node 1",
                () -> Db.count(looks[0], "SELECT count(*) FROM generic_items WHERE id = ? AND name = 'one'", item.id) == 1);
    }

    @Test
    void anIdThatIsNotALongIsRefusedWhenTheMappingIsBuilt() throws Exception {
        Path db = dir.resolve("int.db");
        Configuration c = new Configuration().addAnnotatedClass(IntItem.class)
                .setProperty("hibernate.connection.url", Db.url(db, "node-id=1"))
                .setProperty("hibernate.dialect", "org.hibernate.community.dialect.SQLiteDialect");
        Exception e = assertThrows(Exception.class, () -> c.buildSessionFactory().close());
        String messages = "";
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages += t.getMessage() + "\n";
        }
        assertTrue(messages.contains("must be a Long or long, not java.lang.Integer"), messages);
        Marmot.close(db);
    }

    private void persistOnBothNodesAtOnce(IntFunction<Object> entity) throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try {
            Future<?>[] done = new Future<?>[2];
            for (int i = 0; i < 2; i++) {
                int node = i + 1;
                SessionFactory f = factories[i];
                done[i] = writers.submit(() -> {
                    for (int n = 0; n < ENTITIES; n++) {
                        Object e = entity.apply(n);
                        setNode(e, node);
                        f.inTransaction(s -> s.persist(e));
                    }
                    return null;
                });
            }
            for (Future<?> d : done) {
                d.get(120, TimeUnit.SECONDS);
            }
        } finally {
            writers.shutdownNow();
        }
    }

    private static void setNode(Object e, int node) {
        if (e instanceof Item i) {
            i.node = node;
        } else {
            ((IdentityItem) e).node = node;
        }
    }

    private SessionFactory factory(int node, String schema) {
        return new Configuration().addAnnotatedClass(Item.class).addAnnotatedClass(IdentityItem.class)
                .addAnnotatedClass(GenericItem.class)
                .setProperty("hibernate.connection.url", Db.nodeUrl(dbs[node - 1], "node-id=" + node + "&nats-url="
                        + nats.url() + "&poll-interval=50"))
                .setProperty("hibernate.dialect", "org.hibernate.community.dialect.SQLiteDialect")
                .setProperty("hibernate.hbm2ddl.auto", schema)
                .setProperty("hibernate.connection.pool_size", "2")
                .buildSessionFactory();
    }
}
