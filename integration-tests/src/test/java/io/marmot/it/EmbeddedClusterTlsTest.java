package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Route TLS of the embedded cluster ({@code cluster-tls-cert}, {@code -key}, {@code -ca}): two node JVMs whose
 * servers route to each other over TLS replicate, and a server without a certificate the CA signed is refused.
 * Certificates are made by the real {@code openssl}.
 */
class EmbeddedClusterTlsTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;
    private final List<NodeProcess> started = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (NodeProcess p : started) {
            p.close();
        }
    }

    @Test
    void routesOverTlsReplicateAndRefuseAServerWithoutACertificate() throws Exception {
        String tls = certificates();
        int[] ports = NatsServer.freePorts(6);
        NodeProcess a = start(0, ports, "cluster-peers=127.0.0.1:" + ports[3] + tls);
        NodeProcess b = start(1, ports, "cluster-peers=127.0.0.1:" + ports[2] + tls);
        a.expect(l -> l.equals("ready"), 90);
        b.expect(l -> l.equals("ready"), 90);
        a.send("sql INSERT INTO kv (k, v, n) VALUES (1, 'over TLS', 0)");
        a.expect(l -> l.equals("ok"), 10);
        b.send("sql INSERT INTO kv (k, v, n) VALUES (2, 'back over TLS', 0)");
        b.expect(l -> l.equals("ok"), 10);
        Await.until(Duration.ofSeconds(60), "both rows on both nodes",
                () -> Db.count(dir.resolve("a.db"), "SELECT count(*) FROM kv") == 2
                        && Db.count(dir.resolve("b.db"), "SELECT count(*) FROM kv") == 2);
        assertEquals(Db.dump(dir.resolve("a.db")), Db.dump(dir.resolve("b.db")));
        assertTrue(Files.readString(dir.resolve("a.db-nats/cluster.conf")).contains("verify: true"));

        try (NatsServer rogue = NatsServer.start(dir.resolve("rogue"), ports[4], "--server_name", "rogue",
                "--cluster_name", "marmot", "--cluster", "nats://127.0.0.1:" + ports[5],
                "--routes", "nats://127.0.0.1:" + ports[2])) {
            Await.until(Duration.ofSeconds(20), "the route without TLS refused", () -> Files.readString(
                    dir.resolve("a.db-nats/nats-server.log")).contains("Router connection closed: TLS Handshake Failure"));
        }
    }

    private NodeProcess start(int i, int[] ports, String params) throws Exception {
        NodeProcess p = new NodeProcess(false, List.of(), dir.resolve(i == 0 ? "a.db" : "b.db"), i + 1, "",
                dir.resolve("node-" + i + ".log"), "nats-port=" + ports[i], "cluster-addr=127.0.0.1:" + ports[2 + i],
                params, "log-replicas=1", "verify-interval=0");
        started.add(p);
        return p;
    }

    /** A CA and a certificate for 127.0.0.1 it signed; returns the three parameters naming them. */
    private String certificates() throws Exception {
        Path d = Files.createDirectories(dir.resolve("tls"));
        openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=marmot test CA",
                "-keyout", "ca-key.pem", "-out", "ca.pem");
        openssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "node-key.pem",
                "-out", "node.csr");
        Files.writeString(d.resolve("ext.cnf"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n");
        openssl(d, "x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                "-days", "2", "-extfile", "ext.cnf", "-out", "node.pem");
        return "&cluster-tls-cert=" + d.resolve("node.pem") + "&cluster-tls-key=" + d.resolve("node-key.pem")
                + "&cluster-tls-ca=" + d.resolve("ca.pem");
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl " + args[0] + ": " + out);
    }
}
