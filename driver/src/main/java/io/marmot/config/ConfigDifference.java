package io.marmot.config;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What differs between two configurations, one line per setting, so that an error about two connections asking for
 * different settings names the settings instead of printing both configurations whole. Secrets are never shown.
 */
public final class ConfigDifference {
    private ConfigDifference() {
    }

    /** The differing settings as {@code name: old → new}, nested settings as {@code nats.user: …}; empty if equal. */
    public static List<String> between(MarmotConfig running, MarmotConfig asked) {
        List<String> out = new ArrayList<>();
        compare("", running, asked, out);
        return out;
    }

    private static void compare(String prefix, Record a, Record b, List<String> out) {
        for (RecordComponent c : a.getClass().getRecordComponents()) {
            Object x = value(c, a);
            Object y = value(c, b);
            if (Objects.equals(x, y)) {
                continue;
            }
            String name = prefix + c.getName();
            if (x instanceof Record rx && y instanceof Record ry) {
                compare(name + ".", rx, ry, out);
            } else if (secret(c.getName())) {
                out.add(name + ": <masked> → <masked>");
            } else if (c.getName().equals("url")) {
                out.add(name + ": " + Secrets.maskUrl((String) x) + " → " + Secrets.maskUrl((String) y));
            } else {
                out.add(name + ": " + x + " → " + y);
            }
        }
    }

    private static boolean secret(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        return n.contains("password") || n.contains("token");
    }

    private static Object value(RecordComponent c, Record r) {
        try {
            return c.getAccessor().invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read setting " + c.getName(), e);
        }
    }
}
