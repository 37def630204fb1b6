package io.marmot.bench;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Plain jnats against the same server: async publish and acked consume rates, the physical limits. */
final class JetStreamLimits {
    private JetStreamLimits() {
    }

    /** {publish msgs/s, consume msgs/s} for messages of the given size. */
    static double[] measure(String url, String name, int messages, int size) throws Exception {
        try (Connection nc = Nats.connect(url)) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name(name).subjects(name + ".>").storageType(StorageType.File).build());
            JetStream js = nc.jetStream();
            byte[] payload = new byte[size];
            ArrayDeque<CompletableFuture<PublishAck>> inflight = new ArrayDeque<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                inflight.add(js.publishAsync(name + ".x", payload));
                if (inflight.size() >= 256) {
                    inflight.poll().get();
                }
            }
            while (!inflight.isEmpty()) {
                inflight.poll().get();
            }
            double publish = messages / ((System.nanoTime() - t0) / 1e9);

            jsm.addOrUpdateConsumer(name, ConsumerConfiguration.builder().durable("bench").ackPolicy(AckPolicy.Explicit)
                    .maxAckPending(100_000).build());
            JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind(name, "bench"));
            long t1 = System.nanoTime();
            int got = 0;
            while (got < messages) {
                List<Message> batch = sub.fetch(1000, Duration.ofSeconds(5));
                if (batch.isEmpty()) {
                    break;
                }
                for (Message m : batch) {
                    m.ack();
                    got++;
                }
            }
            double consume = got / ((System.nanoTime() - t1) / 1e9);
            sub.unsubscribe();
            jsm.deleteStream(name);
            return new double[] {publish, consume};
        }
    }
}
