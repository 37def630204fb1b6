package io.marmot.sidecar;

/**
 * The flags of the sidecar itself. Every other flag is a driver parameter, taken from
 * {@link io.marmot.config.ConfigKey} so the two never drift apart.
 */
enum SidecarFlag {
    DB_PATH("db-path", "/tmp/marmot.db", "<path>",
            "SQLite database to replicate; created if missing (Marmot's default path)."),
    CONFIG("config", "", "<file>",
            "Java .properties file with the same keys as the flags (without dashes); flags win over it."),
    CLEANUP("cleanup", "false", null,
            "Remove everything marmot installed in the database (triggers, change log, versions), then exit."),
    CLEAR_OUT_OF_SYNC("clear-out-of-sync", "false", null,
            "Forget the record of missed messages once the node was healed (its ranges are logged), then exit."),
    SAVE_SNAPSHOT("save-snapshot", "false", null,
            "Take a snapshot of the database now, store it in the cluster's Object Store, then exit."),
    LIST_SNAPSHOTS("list-snapshots", "false", null,
            "List the stored snapshots (size, source node, age, stream positions), newest first, then exit."),
    VERBOSE("verbose", "false", null, "Debug logs."),
    LOG_FORMAT("log-format", "text", "<text|json>", "Log lines for people (text) or JSON lines (json), on stderr."),
    HTTP_PORT("http-port", "8090", "<port>", "Port of the HTTP endpoint (/health, /metrics); 0 turns it off. A port"
            + " given that is in use is an error; the default moves on to the next free port up to 8099, else to any"
            + " free port, and logs it."),
    HTTP_BIND("http-bind", "127.0.0.1", "<address>", "Address the HTTP endpoint listens on."),
    HELP("help", "false", null, "Print this help and exit.");

    private final String key;
    private final String defaultValue;
    private final String argument;
    private final String description;

    SidecarFlag(String key, String defaultValue, String argument, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.argument = argument;
        this.description = description;
    }

    String key() {
        return key;
    }

    String defaultValue() {
        return defaultValue;
    }

    /** How the value is shown in the help; null for a switch (true when given alone). */
    String argument() {
        return argument;
    }

    String description() {
        return description;
    }

    boolean isSwitch() {
        return argument == null;
    }

    /** Whether the key may appear in a --config file (all but config and help). */
    boolean inConfigFile() {
        return this != CONFIG && this != HELP;
    }

    static SidecarFlag byKey(String key) {
        for (SidecarFlag f : values()) {
            if (f.key.equals(key)) {
                return f;
            }
        }
        return null;
    }
}
