package io.marmot.config;

import java.util.regex.Pattern;

/** Hides credentials before anything reaches a log line or an error message. */
public final class Secrets {
    private static final Pattern USER_INFO = Pattern.compile("(?<=://)[^@/,]*@");

    private Secrets() {
    }

    /** {@code nats://alice:secret@host:4222} becomes {@code nats://<masked>@host:4222}. */
    public static String maskUrl(String url) {
        return USER_INFO.matcher(url).replaceAll("<masked>@");
    }
}
