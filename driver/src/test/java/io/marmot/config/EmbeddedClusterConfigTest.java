package io.marmot.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.jdbc.MarmotDataSource;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cluster-addr, cluster-peers and cluster-name: parsed once, and refused with a sentence naming the conflict. */
class EmbeddedClusterConfigTest {
    @TempDir
    Path dir;

    @Test
    void peersTakeBothSpellingsAndTheNameHasADefault() throws Exception {
        EmbeddedCluster c = MarmotConfig.from(Map.of(ConfigKey.CLUSTER_ADDR, "10.0.0.1:6222",
                ConfigKey.CLUSTER_PEERS, " nats://10.0.0.2:6222 , 10.0.0.3:6222,")).nats().cluster();
        assertTrue(c.enabled());
        assertEquals(List.of("nats://10.0.0.2:6222", "nats://10.0.0.3:6222"), c.peers());
        assertEquals("marmot", c.name());
        assertEquals("marmot-10-0-0-1-6222", c.serverName(), "stable across restarts: derived from the route address");
        assertFalse(MarmotConfig.defaults().nats().cluster().enabled(), "no cluster-addr: today's lone server");
    }

    @Test
    void clusterAddrWithNatsUrlNamesBoth() {
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection("jdbc:marmot:sqlite:"
                + dir.resolve("x.db") + "?cluster-addr=127.0.0.1:6222&nats-url=nats://127.0.0.1:4222"));
        assertTrue(e.getMessage().contains("cluster-addr") && e.getMessage().contains("nats-url"), e.getMessage());
    }

    @Test
    void malformedAddressesAndPeersWithoutAnAddressAreRefused() {
        ConfigException bad = assertThrows(ConfigException.class,
                () -> MarmotConfig.from(Map.of(ConfigKey.CLUSTER_ADDR, "127.0.0.1")));
        assertEquals("cluster-addr", bad.key());
        ConfigException badPeer = assertThrows(ConfigException.class, () -> MarmotConfig.from(Map.of(
                ConfigKey.CLUSTER_ADDR, "127.0.0.1:6222", ConfigKey.CLUSTER_PEERS, "nats://h2:6222,h3")));
        assertEquals("cluster-peers", badPeer.key());
        ConfigException alonePeers = assertThrows(ConfigException.class,
                () -> MarmotConfig.from(Map.of(ConfigKey.CLUSTER_PEERS, "h2:6222")));
        assertTrue(alonePeers.getMessage().contains("cluster-addr"), alonePeers.getMessage());
        assertThrows(ConfigException.class, () -> MarmotConfig.from(Map.of(ConfigKey.CLUSTER_NAME, "a b")));
    }

    @Test
    void routeCredentialsGoTogetherAndThePasswordIsMasked() throws Exception {
        ConfigException half = assertThrows(ConfigException.class, () -> MarmotConfig.from(Map.of(
                ConfigKey.CLUSTER_ADDR, "127.0.0.1:6222", ConfigKey.CLUSTER_USER, "routes")));
        assertEquals("cluster-password", half.key());
        MarmotConfig c = MarmotConfig.from(Map.of(ConfigKey.CLUSTER_ADDR, "127.0.0.1:6222",
                ConfigKey.CLUSTER_USER, "routes", ConfigKey.CLUSTER_PASSWORD, "Zz9-route-secret"));
        assertTrue(c.nats().cluster().hasCredentials());
        assertFalse(c.toString().contains("Zz9-route-secret"), c.toString());
        assertTrue(c.toString().contains("routes"), c.toString());
    }

    @Test
    void theDataSourceSetsThem() throws Exception {
        MarmotDataSource ds = new MarmotDataSource();
        ds.setClusterAddr("127.0.0.1:6222");
        ds.setClusterPeers("127.0.0.1:6223");
        ds.setClusterName("prod");
        ds.setClusterUser("routes");
        ds.setClusterPassword("secret");
        ds.setNatsUrl("nats://127.0.0.1:4222");
        ds.setUrl("jdbc:marmot:sqlite:" + dir.resolve("y.db"));
        SQLException e = assertThrows(SQLException.class, ds::getConnection, "the setters reach the configuration");
        assertTrue(e.getMessage().contains("cluster-addr"), e.getMessage());
    }
}
