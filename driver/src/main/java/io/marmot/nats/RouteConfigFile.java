package io.marmot.nats;

import io.marmot.config.EmbeddedCluster;
import io.marmot.config.RouteTls;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded server's cluster block when routes carry credentials or TLS: in a file readable by its owner only,
 * since a password on nats-server's command line would show in {@code ps} to every user of the machine.
 */
final class RouteConfigFile {
    static final String NAME = "cluster.conf";

    private RouteConfigFile() {
    }

    static Path write(Path storeDir, EmbeddedCluster cluster) throws IOException {
        String credentials = cluster.hasCredentials()
                ? encode(cluster.user()) + ":" + encode(cluster.password()) + "@" : "";
        List<String> routes = new ArrayList<>();
        for (String peer : cluster.peers()) {
            routes.add(quoted("nats://" + credentials + peer.substring("nats://".length())));
        }
        String text = "# written by marmot at every start of the embedded server: changes are overwritten\n"
                + "cluster {\n"
                + "  name: " + quoted(cluster.name()) + "\n"
                + "  listen: " + quoted(cluster.addr()) + "\n"
                + (cluster.hasCredentials() ? "  authorization { user: " + quoted(cluster.user()) + ", password: "
                        + quoted(cluster.password()) + " }\n" : "")
                + tls(cluster.tls())
                + "  routes: [" + String.join(", ", routes) + "]\n"
                + "}\n";
        Path file = storeDir.resolve(NAME);
        Files.deleteIfExists(file); // created anew, so that the owner-only permission holds from the first byte
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file); // not a POSIX file system (Windows): its ACLs follow the directory's
        }
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        return file;
    }

    /** Routes verify each other both ways: a peer without a certificate the CA signed is refused. */
    private static String tls(RouteTls tls) {
        return !tls.enabled() ? "" : "  tls { cert_file: " + quoted(tls.cert()) + ", key_file: " + quoted(tls.key())
                + ", ca_file: " + quoted(tls.ca()) + ", verify: true, timeout: 5 }\n";
    }

    /** A double-quoted string of the NATS configuration format. */
    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r") + "\"";
    }

    /** User info of a route URL (nats-server reads it with Go's url.Parse, which decodes percent escapes). */
    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
