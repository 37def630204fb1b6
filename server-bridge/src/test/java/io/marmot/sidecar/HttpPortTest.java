package io.marmot.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without --http-port, sidecars share a machine: the default moves on to a free port. A port the user gave
 * that is taken stays an error.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpPortTest {
    @TempDir
    Path dir;

    @Test
    void theDefaultTakesAFreePortWhenEveryDefaultPortIsTaken() throws Exception {
        List<HttpServer> servers = new ArrayList<>();
        List<ServerSocket> squatters = new ArrayList<>();
        try {
            for (int p = HttpPort.FIRST_DEFAULT; p <= HttpPort.LAST_DEFAULT; p++) {
                squatters.add(squat(p)); // null where someone else holds it already: taken either way
            }
            HttpServer s = HttpBinding.bind("127.0.0.1", HttpPort.byDefault());
            servers.add(s);
            int port = s.getAddress().getPort();
            assertTrue(port < HttpPort.FIRST_DEFAULT || port > HttpPort.LAST_DEFAULT, "got " + port);
            HttpServer other = HttpBinding.bind("127.0.0.1", HttpPort.byDefault());
            servers.add(other);
            assertNotEquals(port, other.getAddress().getPort());
        } finally {
            servers.forEach(s -> s.stop(0));
            for (ServerSocket s : squatters) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aGivenPortThatIsTakenIsAnErrorNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            IOException e = assertThrows(IOException.class,
                    () -> HttpBinding.bind("127.0.0.1", HttpPort.given(taken.getLocalPort())));
            assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " for HTTP")
                    && e.getMessage().contains("--http-port"), e.getMessage());
        }
    }

    @Test
    void anUnusableAddressIsAnErrorEvenForTheDefault() {
        IOException e = assertThrows(IOException.class, () -> HttpBinding.bind("192.0.2.1", HttpPort.byDefault()));
        assertTrue(e.getMessage().startsWith("cannot listen on 192.0.2.1 for HTTP")
                && e.getMessage().contains("--http-bind"), e.getMessage());
    }

    @Test
    void theSidecarExitsOneWhenItsGivenPortIsTaken() throws Exception {
        Path db = dir.resolve("p.db");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                SidecarProcess node = SidecarProcess.start(dir.resolve("p.log"), "--db-path", db.toString(),
                        "--node-id", "1", "--nats-url", "nats://127.0.0.1:1", "--http-port",
                        Integer.toString(taken.getLocalPort()))) {
            assertEquals(Main.FAILED, node.awaitExit(), node.log());
            assertTrue(node.log().contains("marmot cannot start: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + " for HTTP"), node.log());
        }
    }

    private static ServerSocket squat(int port) {
        try {
            return new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
        } catch (IOException taken) {
            return null;
        }
    }
}
