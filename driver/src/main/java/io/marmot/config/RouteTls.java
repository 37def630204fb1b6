package io.marmot.config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS on the embedded servers' routes: each server presents {@code cert} (with its private {@code key}) and accepts
 * only peers whose certificate {@code ca} signed, so a machine that can reach the route port cannot join the cluster
 * nor read its traffic. Files in PEM, as nats-server reads them.
 *
 * @param cert the server's certificate for its routes; empty (with the others): routes without TLS
 */
public record RouteTls(String cert, String key, String ca) {
    public static final RouteTls NONE = new RouteTls("", "", "");

    public boolean enabled() {
        return !cert.isEmpty();
    }

    static RouteTls from(String cert, String key, String ca) throws ConfigException {
        if (cert.isEmpty() && key.isEmpty() && ca.isEmpty()) {
            return NONE;
        }
        ConfigKey[] keys = {ConfigKey.CLUSTER_TLS_CERT, ConfigKey.CLUSTER_TLS_KEY, ConfigKey.CLUSTER_TLS_CA};
        String[] values = {cert, key, ca};
        for (int i = 0; i < keys.length; i++) {
            if (values[i].isEmpty()) {
                throw new ConfigException("marmot parameters 'cluster-tls-cert', 'cluster-tls-key' and 'cluster-tls-ca'"
                        + " go together: give all three (each node its own certificate and key, every node the same CA)"
                        + " or none", keys[i].key(), "", "set when the others are");
            }
            if (!Files.isReadable(Path.of(values[i]))) {
                throw MarmotConfig.invalid(keys[i], values[i], "a readable PEM file");
            }
        }
        return new RouteTls(Path.of(cert).toAbsolutePath().toString(), Path.of(key).toAbsolutePath().toString(),
                Path.of(ca).toAbsolutePath().toString());
    }

    @Override
    public String toString() {
        return enabled() ? "route TLS (cert " + cert + ", CA " + ca + ")" : "no route TLS";
    }
}
