package io.marmot.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The routes of the embedded nats-server, when each node runs its own and they form one JetStream cluster.
 *
 * @param addr {@code host:port} this node's server listens on for routes; empty: no cluster (a lone server)
 * @param peers route URLs of the other nodes' servers, each {@code nats://host:port}
 * @param name the cluster's name, the same on every node
 * @param user user name of the routes, empty: routes without credentials
 * @param password password of the routes; masked by {@link #toString()}
 * @param tls TLS on the routes, or {@link RouteTls#NONE}
 */
public record EmbeddedCluster(String addr, List<String> peers, String name, String user, String password,
        RouteTls tls) {
    public EmbeddedCluster {
        peers = List.copyOf(peers);
    }

    /** Routes without TLS. */
    public EmbeddedCluster(String addr, List<String> peers, String name, String user, String password) {
        this(addr, peers, name, user, password, RouteTls.NONE);
    }

    public boolean enabled() {
        return !addr.isEmpty();
    }

    /** Whether routes carry credentials (only in cluster mode: without cluster-addr there are no routes). */
    public boolean hasCredentials() {
        return enabled() && !user.isEmpty();
    }

    /**
     * A server name that stays the same across restarts of this node (JetStream knows its peers by name):
     * {@code marmot-<host>-<port>} of the route address, which is unique in a cluster by construction.
     */
    public String serverName() {
        return "marmot-" + addr.replaceAll("[^A-Za-z0-9]+", "-");
    }

    public String host() {
        return addr.substring(0, addr.lastIndexOf(':'));
    }

    public int port() {
        return Integer.parseInt(addr.substring(addr.lastIndexOf(':') + 1));
    }

    /** Whether the routes need a configuration file (credentials and TLS are kept off the command line). */
    public boolean needsConfigFile() {
        return hasCredentials() || (enabled() && tls.enabled());
    }

    static EmbeddedCluster from(String addr, String peers, String name, String natsUrl, String user, String password,
            RouteTls tls) throws ConfigException {
        if (!addr.isEmpty() && user.isEmpty() != password.isEmpty()) {
            ConfigKey missing = user.isEmpty() ? ConfigKey.CLUSTER_USER : ConfigKey.CLUSTER_PASSWORD;
            throw new ConfigException("marmot parameters 'cluster-user' and 'cluster-password' go together: give both"
                    + " (every node the same) or neither", missing.key(), "", "set when the other one is");
        }
        if (!addr.isEmpty()) {
            requireHostPort(ConfigKey.CLUSTER_ADDR, addr, addr);
            if (!natsUrl.isEmpty()) {
                throw new ConfigException("marmot parameters 'cluster-addr' and 'nats-url' exclude each other:"
                        + " cluster-addr runs an embedded nats-server in a cluster with its peers, nats-url uses"
                        + " servers run elsewhere. Give only one of them.", ConfigKey.CLUSTER_ADDR.key(), addr,
                        "empty when nats-url is given");
            }
        }
        List<String> routes = new ArrayList<>();
        for (String part : peers.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            String hostPort = p.startsWith("nats://") ? p.substring("nats://".length()) : p;
            requireHostPort(ConfigKey.CLUSTER_PEERS, peers, hostPort);
            routes.add("nats://" + hostPort);
        }
        if (addr.isEmpty() && !routes.isEmpty()) {
            throw new ConfigException("marmot parameter 'cluster-peers' needs 'cluster-addr' (the host:port this node's"
                    + " embedded server listens on for its peers' routes)", ConfigKey.CLUSTER_PEERS.key(), peers,
                    "empty when cluster-addr is empty");
        }
        return new EmbeddedCluster(addr, routes, name, user, password, tls);
    }

    private static void requireHostPort(ConfigKey key, String raw, String hostPort) throws ConfigException {
        int colon = hostPort.lastIndexOf(':');
        boolean ok = colon > 0 && hostPort.substring(colon + 1).matches("[0-9]{1,5}")
                && Integer.parseInt(hostPort.substring(colon + 1)) >= 1
                && Integer.parseInt(hostPort.substring(colon + 1)) <= 65535
                && !hostPort.substring(0, colon).contains("/") && !hostPort.substring(0, colon).contains("@");
        if (!ok) {
            throw MarmotConfig.invalid(key, raw, key == ConfigKey.CLUSTER_ADDR ? "host:port, e.g. 10.0.0.1:6222"
                    : "comma-separated host:port or nats://host:port, e.g. nats://10.0.0.2:6222,nats://10.0.0.3:6222");
        }
    }

    @Override
    public String toString() {
        return "cluster " + name + " at " + addr + " with peers " + peers
                + (hasCredentials() ? " (route user " + user + ", password <masked>)" : "")
                + (tls.enabled() ? " with " + tls : "");
    }
}
