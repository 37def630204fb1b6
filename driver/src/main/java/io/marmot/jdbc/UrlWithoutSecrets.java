package io.marmot.jdbc;

import io.marmot.config.ConfigKey;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The connection URL as metadata reports it: what the application gave, less the NATS credentials it may hold
 * ({@code nats-password}, {@code nats-token}, and {@code user:password@} inside {@code nats-url}). Tools print
 * {@code getURL()} in logs and dialogs; sqlite-jdbc's own URL never holds a secret, and ours must not either.
 */
final class UrlWithoutSecrets {
    private static final Pattern USER_INFO = Pattern.compile("(?<=://)[^@/,]*@");

    private UrlWithoutSecrets() {
    }

    static String of(String url) {
        int q = url.indexOf('?');
        if (q < 0) {
            return url;
        }
        List<String> kept = new ArrayList<>();
        for (String pair : url.substring(q + 1).split("&", -1)) {
            int eq = pair.indexOf('=');
            ConfigKey key = ConfigKey.byKey(eq < 0 ? pair : pair.substring(0, eq));
            if (key == ConfigKey.NATS_PASSWORD || key == ConfigKey.NATS_TOKEN || key == ConfigKey.CLUSTER_PASSWORD) {
                continue;
            }
            kept.add(key == ConfigKey.NATS_URL ? USER_INFO.matcher(pair).replaceAll("") : pair);
        }
        String query = String.join("&", kept);
        return query.isEmpty() ? url.substring(0, q) : url.substring(0, q + 1) + query;
    }
}
