package io.marmot.jdbc;

import io.marmot.config.ConfigException;
import io.marmot.config.ConfigKey;

/**
 * Tells marmot's parameters from sqlite-jdbc's in a URL or Properties, and a misspelt one of ours (node_id, nodeId,
 * node-idd) from a parameter of sqlite-jdbc, with the nearest correct name in the error.
 */
final class ParameterNames {
    private ParameterNames() {
    }

    /** Our key, null for a key that belongs to sqlite-jdbc; a misspelt key of ours is an error. */
    static ConfigKey ownKey(String key) throws ConfigException {
        ConfigKey k = ConfigKey.byKey(key);
        if (k != null) {
            return k;
        }
        String normal = key.toLowerCase(java.util.Locale.ROOT).replace('_', '-').replace('.', '-');
        if (normal.startsWith("marmot-")) {
            normal = normal.substring("marmot-".length());
        }
        // sqlite-jdbc's own keys never contain '-'; anything with one, or one of ours spelt with '_' or in
        // camelCase (nodeId), is a typo of ours.
        String compact = normal.replace("-", "");
        boolean oursRespelt = ConfigKey.keys().stream().anyMatch(own -> own.replace("-", "").equals(compact));
        if (key.contains("-") || oursRespelt || key.toLowerCase(java.util.Locale.ROOT).startsWith("marmot")) {
            String nearest = nearest(normal);
            throw new ConfigException("Unknown marmot parameter '" + key + "'"
                    + (nearest == null ? "" : ". Did you mean '" + nearest + "'?")
                    + " Known marmot parameters: " + String.join(", ", ConfigKey.keys()), key, "", "");
        }
        return null;
    }

    private static String nearest(String key) {
        String best = null;
        int bestDistance = 4;
        for (String candidate : ConfigKey.keys()) {
            int d = distance(key, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
