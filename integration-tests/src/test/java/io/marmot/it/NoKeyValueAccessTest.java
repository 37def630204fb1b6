package io.marmot.it;

import io.marmot.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An account that may use the change streams but not key-value buckets (where nodes claim their ids): replication
 * goes on, and the node says that duplicate node ids go undetected.
 */
class NoKeyValueAccessTest {
    @TempDir
    Path conf;

    @Test
    void replicationGoesOnWithoutNodeIdClaims() throws Exception {
        Path file = conf.resolve("no-kv.conf");
        Files.writeString(file, """
                authorization {
                  users = [
                    { user: app, password: app-password,
                      permissions: {
                        publish: { allow: [">"], deny: ["$KV.>", "$JS.API.STREAM.CREATE.KV_>", "$JS.API.STREAM.INFO.KV_>",
                                                        "$JS.API.DIRECT.GET.KV_>", "$JS.API.STREAM.MSG.GET.KV_>"] }
                        subscribe: { allow: [">"] } } }
                  ]
                }
                """);
        Cluster.with(2).server("-c", file.toString()).params("nats-user=app&nats-password=app-password")
                .run((cluster, a, b) -> {
                    a.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
                    b.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
                    a.exec("INSERT INTO t VALUES (1, 'from a')");
                    b.exec("INSERT INTO t VALUES (2, 'from b')");
                    Await.until(Duration.ofSeconds(30), "both rows on both nodes",
                            () -> a.scalar("SELECT count(*) FROM t") == 2 && b.scalar("SELECT count(*) FROM t") == 2);
                    Await.until(Duration.ofSeconds(10), "both ready", () -> a.engine().health().ready()
                            && b.engine().health().ready());
                });
    }
}
