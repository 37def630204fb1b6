package io.marmot.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The nats-server the tests start: a known PID, SIGKILL, SIGSTOP, restart on the same port and store. */
class NatsServerTest {
    @TempDir
    Path dir;

    @Test
    void killedPausedAndRestartedOnItsPortAndStore() throws Exception {
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            long pid = nats.pid();
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the PID is the server's");
            assertTrue(answers(nats.port()), "it accepts clients once started");
            assertTrue(Files.isDirectory(nats.store()) && nats.store().startsWith(dir), "its store is in the test's directory");

            nats.pause();
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "paused, not gone");
            nats.resume();
            assertTrue(answers(nats.port()));

            nats.kill();
            assertFalse(nats.isRunning());
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "SIGKILL ended the process");
            assertThrows(IllegalStateException.class, nats::pid);

            nats.restart();
            assertNotEquals(pid, nats.pid(), "a new process");
            assertTrue(answers(nats.port()), "on the same port");
            assertThrows(IllegalStateException.class, nats::restart, "one server per port");
            assertThrows(IllegalStateException.class, nats::wipeStore, "never under a running server");

            nats.stop();
            Files.writeString(nats.store().resolve("marker"), "x");
            nats.wipeStore();
            assertFalse(Files.exists(nats.store()), "wiped");
            nats.restart();
            assertTrue(Files.isDirectory(nats.store()), "an empty store again");
            assertEquals(3, count(nats.log(), "Server is ready"), "one log across its three starts");
        }
    }

    @Test
    void aThreeServerJetStreamCluster() throws Exception {
        try (NatsCluster cluster = NatsCluster.start(dir.resolve("cluster"))) {
            assertEquals(3, cluster.urls().split(",").length);
            NatsServer n2 = cluster.server("n2");
            assertEquals(cluster.server(1), n2);
            n2.kill();
            assertTrue(answers(cluster.server(0).port()), "the others go on");
            n2.restart();
            assertTrue(answers(n2.port()));
            for (int i = 0; i < NatsCluster.SIZE; i++) {
                assertTrue(cluster.server(i).log().contains("JetStream cluster"), cluster.server(i).log());
            }
        }
    }

    @Test
    void aServerThatCannotStartFailsWithItsLog() throws Exception {
        try (NatsServer first = NatsServer.start(dir.resolve("first"))) {
            AssertionError e = assertThrows(AssertionError.class, () -> NatsServer.start(dir.resolve("second"), first.port()));
            assertTrue(e.getMessage().contains("exited") && e.getMessage().contains(Integer.toString(first.port())),
                    e.getMessage());
            assertTrue(answers(first.port()), "the server holding the port is untouched");
        }
    }

    private static boolean answers(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            byte[] info = new byte[4];
            return s.getInputStream().readNBytes(info, 0, 4) == 4 && new String(info, StandardCharsets.US_ASCII).equals("INFO");
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
