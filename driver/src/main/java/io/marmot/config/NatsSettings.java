package io.marmot.config;

/**
 * How to reach NATS. Secrets stay in this object: {@link #toString()} masks them.
 *
 * @param url comma-separated server URLs; empty means the embedded server
 * @param port client port of the embedded server
 * @param serverPath the nats-server binary for the embedded server; empty means search
 * @param cluster the routes of the embedded server; {@link EmbeddedCluster#enabled()} false: a lone server
 */
public record NatsSettings(String url, int port, String serverPath, String user, String password, String token,
        String credsFile, String nkeyFile, EmbeddedCluster cluster) {

    public boolean embedded() {
        return url.isEmpty();
    }

    @Override
    public String toString() {
        return (embedded() ? "embedded, port " + port + (cluster.enabled() ? ", " + cluster : "") : Secrets.maskUrl(url))
                + (user.isEmpty() ? "" : ", user=" + user) + (password.isEmpty() ? "" : ", password=<masked>")
                + (token.isEmpty() ? "" : ", token=<masked>") + (credsFile.isEmpty() ? "" : ", creds=" + credsFile)
                + (nkeyFile.isEmpty() ? "" : ", nkey=" + nkeyFile);
    }
}
