package io.marmot.bench;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the engines ask nats-server for, counted by kind from a connection of its own that subscribes to every
 * subject: JetStream API requests ({@code $JS.API.STREAM.INFO}, {@code $JS.API.DIRECT.GET} …) by the stream or bucket
 * they are about, and key-value writes by bucket. A measuring tool of the benchmark, never of the driver. Unlike CPU
 * figures on a shared machine, these counts do not vary with the machine's load.
 */
final class NatsRequests {
    private NatsRequests() {
    }

    /** Requests per second by kind, counted for {@code window}; the total under "total". */
    static Map<String, Double> count(String natsUrl, Duration window) throws Exception {
        try (Counting c = Counting.start(natsUrl)) {
            Thread.sleep(window.toMillis());
            return c.stop(window.toMillis() / 1000.0);
        }
    }

    /**
     * Requests counted from {@link #start} until {@link #stop}, which divides them by {@code per}; on every server of
     * {@code natsUrl}, comma-separated servers being independent ones (tenants spread over them), not a cluster.
     */
    static final class Counting implements AutoCloseable {
        private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        private final List<Connection> connections = new ArrayList<>();
        private final List<Dispatcher> dispatchers = new ArrayList<>();

        private Counting() {
        }

        static Counting start(String natsUrl) throws Exception {
            Counting c = new Counting();
            try {
                for (String url : natsUrl.split(",")) {
                    Connection nc = Nats.connect(url);
                    c.connections.add(nc);
                    Dispatcher d = nc.createDispatcher(m -> {
                        String kind = kind(m.getSubject());
                        if (kind != null) {
                            c.counts.computeIfAbsent(kind, k -> new LongAdder()).increment();
                        }
                    });
                    c.dispatchers.add(d);
                    d.subscribe(">");
                    nc.flush(Duration.ofSeconds(5));
                }
            } catch (Exception e) {
                c.close();
                throw e;
            }
            c.counts.clear();
            return c;
        }

        /** The counts by kind divided by {@code per} (seconds, databases); the total under "total". */
        Map<String, Double> stop(double per) throws Exception {
            for (int i = 0; i < connections.size(); i++) {
                connections.get(i).flush(Duration.ofSeconds(5));
                connections.get(i).closeDispatcher(dispatchers.get(i));
            }
            Map<String, Double> out = new TreeMap<>();
            long total = 0;
            for (Map.Entry<String, LongAdder> e : counts.entrySet()) {
                out.put(e.getKey(), e.getValue().sum() / per);
                total += e.getValue().sum();
            }
            out.put("total", total / per);
            return out;
        }

        @Override
        public void close() throws InterruptedException {
            for (Connection nc : connections) {
                nc.close();
            }
        }
    }

    /**
     * {@code stream.info:changes}, {@code direct.get:nodes}, {@code kv.put:schemas}, {@code consumer.msg.next:changes}
     * …; null for what is no request (replies, advisories, replicated messages).
     */
    static String kind(String subject) {
        String[] t = subject.split("\\.");
        if (subject.startsWith("$KV.") && t.length >= 2) {
            return "kv.put:" + role(t[1]);
        }
        if (!subject.startsWith("$JS.API.") || t.length < 4) {
            return null;
        }
        if (t[2].equals("DIRECT") || t[2].equals("STREAM") && t.length >= 5 || t[2].equals("CONSUMER") && t.length >= 5) {
            int op = t[2].equals("STREAM") && (t[3].equals("MSG")) || t[2].equals("CONSUMER") && t[3].equals("MSG") ? 5 : 4;
            String what = (t[2] + "." + String.join(".", java.util.Arrays.copyOfRange(t, 3, Math.min(op, t.length)))).toLowerCase();
            return t.length > op ? what + ":" + role(t[op]) : what;
        }
        return t[2].toLowerCase() + "." + t[3].toLowerCase();
    }

    /** What a stream or bucket is for, its tenant left out: {@code KV_tenant-7-nodes} is "nodes". */
    private static String role(String name) {
        String n = name.startsWith("KV_") ? name.substring(3) : name;
        return name.startsWith("KV_") || !n.matches(".*-\\d+$") ? n.substring(n.lastIndexOf('-') + 1) : "changes";
    }
}
