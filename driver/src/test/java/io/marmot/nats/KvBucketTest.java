package io.marmot.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.marmot.testing.NatsServer;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bucket is opened once per connection, and created again after it was lost (a failed use forgets it). */
class KvBucketTest {
    @TempDir
    Path dir;

    @Test
    void openedOnceAndCreatedAgainAfterItWasLost() throws Exception {
        try (NatsServer nats = NatsServer.start(dir.resolve("nats")); Connection nc = Nats.connect(nats.url())) {
            KvBucket bucket = new KvBucket("test-bucket", Duration.ofMinutes(1), 1);
            KeyValue first = bucket.open(nc);
            assertSame(first, bucket.open(nc), "kept, not opened again");
            bucket.use(nc, kv -> kv.put("k", "one".getBytes(StandardCharsets.UTF_8)));

            nc.keyValueManagement().delete("test-bucket"); // as if lost with the server's store
            assertThrows(Exception.class, () -> bucket.use(nc, kv -> kv.get("k")));
            KeyValue again = bucket.open(nc);
            assertNotSame(first, again, "the failed use forgot it");
            bucket.use(nc, kv -> kv.put("k", "two".getBytes(StandardCharsets.UTF_8)));
            assertEquals("two", nc.keyValue("test-bucket").get("k").getValueAsString());
            assertEquals(Duration.ofMinutes(1), nc.keyValueManagement().getStatus("test-bucket").getTtl(),
                    "created again as configured");
        }
    }
}
