package io.marmot.jdbc;

import io.nats.NatsServerRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;

/** A real nats-server with JetStream on a free port, its store in the test's own directory. */
final class TestNats implements AutoCloseable {
    private final NatsServerRunner runner;

    private TestNats(NatsServerRunner runner) {
        this.runner = runner;
    }

    static TestNats start(Path store) throws IOException {
        Files.createDirectories(store);
        NatsServerRunner.Builder b = NatsServerRunner.builder().jetstream(true).skipConnectValidate()
                .customArgs(new String[] {"-sd", store.toString()}).outputLevel(Level.WARNING);
        if (Files.isExecutable(Path.of("/usr/sbin/nats-server"))) {
            b.executablePath(Path.of("/usr/sbin/nats-server"));
        }
        try {
            return new TestNats(b.build());
        } catch (Exception e) {
            throw new IOException("cannot start nats-server (apt-get install -y nats-server)", e);
        }
    }

    String url() {
        return "nats://127.0.0.1:" + runner.getPort();
    }

    @Override
    public void close() throws Exception {
        runner.close();
    }
}
