package io.marmot.it;

import io.nats.NatsServerRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;

/** A real nats-server with JetStream for a test, its store in the test's own directory. */
final class TestNats implements AutoCloseable {
    private final NatsServerRunner runner;
    private final Path store;

    private TestNats(NatsServerRunner runner, Path store) {
        this.runner = runner;
        this.store = store;
    }

    static TestNats start(Path store) throws IOException {
        return start(store, null);
    }

    /** Starts a server on the given port (null: a free one), keeping JetStream data in {@code store}. */
    static TestNats start(Path store, Integer port, String... serverArgs) throws IOException {
        Files.createDirectories(store);
        String[] args = new String[serverArgs.length + 2];
        args[0] = "-sd";
        args[1] = store.toString();
        System.arraycopy(serverArgs, 0, args, 2, serverArgs.length);
        NatsServerRunner.Builder b = NatsServerRunner.builder().jetstream(true).skipConnectValidate()
                .customArgs(args).outputLevel(Level.WARNING);
        if (port != null) {
            b.port(port);
        }
        if (Files.isExecutable(Path.of("/usr/sbin/nats-server"))) {
            b.executablePath(Path.of("/usr/sbin/nats-server"));
        }
        try {
            return new TestNats(b.build(), store);
        } catch (Exception e) {
            throw new IOException("cannot start nats-server (apt-get install -y nats-server)", e);
        }
    }

    String url() {
        return "nats://127.0.0.1:" + runner.getPort();
    }

    int port() {
        return runner.getPort();
    }

    Path store() {
        return store;
    }

    @Override
    public void close() throws Exception {
        runner.close();
    }
}
