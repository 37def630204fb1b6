package io.marmot.config;

import java.util.List;

/**
 * Every marmot parameter, in one place: it parses URLs and Properties, validates, fills
 * {@link java.sql.Driver#getPropertyInfo}, and documents (the README table follows this enum).
 * Names follow the flags of Marmot (Go) so that its users recognise them.
 */
public enum ConfigKey {
    NODE_ID("node-id", "", ValueType.POSITIVE_LONG,
            "Unique positive integer naming this node (1 to 4095 for marmot_id(), the cluster-unique key). Default: a random id chosen on first start and kept in the database."),
    NATS_URL("nats-url", "", ValueType.TEXT,
            "Comma-separated NATS server URLs (nats://user:pass@host:4222, tls://...). Empty: start and supervise a local nats-server."),
    SHARDS("shards", "1", ValueType.POSITIVE_INT,
            "Number of JetStream streams the change log is spread over; a node always publishes to the same one."),
    MAX_LOG_ENTRIES("max-log-entries", "1000000", ValueType.POSITIVE_LONG,
            "Messages kept per stream (only applied when the stream is created)."),
    MAX_LOG_BYTES("max-log-bytes", "1073741824", ValueType.POSITIVE_LONG,
            "Bytes kept per stream (only applied when the stream is created)."),
    MAX_LOG_AGE("max-log-age", "604800", ValueType.POSITIVE_LONG,
            "Seconds a message is kept in a stream (only applied when the stream is created)."),
    LOG_REPLICAS("log-replicas", "1", ValueType.POSITIVE_INT,
            "Replicas of each stream inside the NATS cluster (1 to 5)."),
    SUBJECT_PREFIX("subject-prefix", "marmot-change-log", ValueType.NAME,
            "Prefix of the subjects changes are published on: <subject-prefix>-<shard>.<node>."),
    STREAM_PREFIX("stream-prefix", "marmot-changes", ValueType.NAME,
            "Prefix of the JetStream stream names: <stream-prefix>-<shards>-<shard>."),
    PUBLISH("publish", "true", ValueType.BOOLEAN,
            "Publish this node's changes. false makes a node that only receives (read replica)."),
    REPLICATE("replicate", "true", ValueType.BOOLEAN,
            "Apply other nodes' changes. false makes a node that only sends."),
    TABLES("tables", "", ValueType.NAME_LIST,
            "Comma-separated tables to replicate (* and ? match any characters). Empty: every table."),
    EXCLUDE_TABLES("exclude-tables", "", ValueType.NAME_LIST,
            "Comma-separated tables never replicated, each node keeping its own (* and ? match any characters)."),
    POLL_INTERVAL("poll-interval", "100", ValueType.POSITIVE_LONG,
            "Milliseconds between checks for commits and schema changes made by other processes."),
    MAX_CLOCK_SKEW("max-clock-skew", "1000", ValueType.POSITIVE_LONG,
            "Milliseconds this node's clock may differ from the NATS server's: beyond it, versions are held to that"
                    + " bound and the node reports not ready."),
    VERIFY_INTERVAL("verify-interval", "30", ValueType.NON_NEGATIVE_LONG,
            "Seconds between comparisons of this node's data with its peers' (0: never)."),
    VERIFY_REPAIR("verify-repair", "true", ValueType.BOOLEAN,
            "Repair what verification finds different (false: only report it)."),
    CONFLICT_RETENTION("conflict-retention", "2592000", ValueType.POSITIVE_LONG,
            "Seconds a conflict (values a write lost to another node's) is kept in __marmot_conflicts."),
    REPLICATE_DROPS("replicate-drops", "false", ValueType.BOOLEAN,
            "Apply other nodes' DROP TABLE and DROP COLUMN here. false: they are reported (log, metric), not applied."),
    SHELL_DROP_COLUMN("shell-drop-column", "false", ValueType.BOOLEAN,
            "Capture that reads each written row back from its table instead of naming its columns, so that"
                    + " ALTER TABLE ... DROP COLUMN works from the sqlite3 shell and other programs; updates cost more."),
    COMPRESS("compress", "false", ValueType.BOOLEAN,
            "Deflate-compress change messages (worth it for large text rows)."),
    NATS_USER("nats-user", "", ValueType.TEXT, "User name for NATS (or put user:password in nats-url)."),
    NATS_PASSWORD("nats-password", "", ValueType.TEXT, "Password for NATS; never logged."),
    NATS_TOKEN("nats-token", "", ValueType.TEXT, "Authentication token for NATS; never logged."),
    NATS_CREDS("nats-creds", "", ValueType.TEXT, "Path of a NATS credentials file (JWT and nkey seed)."),
    NATS_NKEY("nats-nkey", "", ValueType.TEXT, "Path of a file holding an nkey seed (SU...) for NATS nkey authentication."),
    NATS_PORT("nats-port", "4222", ValueType.PORT,
            "Client port of the embedded nats-server (used when nats-url is empty)."),
    NATS_SERVER_PATH("nats-server-path", "", ValueType.TEXT,
            "Path of the nats-server binary for the embedded server. Empty: search PATH, /usr/sbin and /usr/local/bin."),
    CLUSTER_ADDR("cluster-addr", "", ValueType.TEXT,
            "host:port the embedded nats-server listens on for routes from its peers; setting it turns on the embedded"
                    + " cluster (nats-url must then be empty). Empty: one embedded server, no routes."),
    CLUSTER_PEERS("cluster-peers", "", ValueType.TEXT,
            "Comma-separated route URLs of the other nodes' embedded servers (nats://host:port or host:port)."),
    CLUSTER_NAME("cluster-name", "marmot", ValueType.NAME,
            "Name of the embedded servers' cluster; every node of one cluster gives the same."),
    CLUSTER_USER("cluster-user", "", ValueType.TEXT,
            "User name the embedded servers of a cluster give each other on their routes (with cluster-password)."),
    CLUSTER_PASSWORD("cluster-password", "", ValueType.TEXT,
            "Password of the embedded servers' routes; never logged nor on a command line (a file readable by the"
                    + " owner only, beside the database)."),
    CLUSTER_TLS_CERT("cluster-tls-cert", "", ValueType.TEXT,
            "PEM certificate this node's embedded server presents on its routes (with cluster-tls-key and"
                    + " cluster-tls-ca): routes then use TLS and accept only peers whose certificate the CA signed."),
    CLUSTER_TLS_KEY("cluster-tls-key", "", ValueType.TEXT,
            "PEM private key of cluster-tls-cert; the file stays where it is, only its path is handed to nats-server."),
    CLUSTER_TLS_CA("cluster-tls-ca", "", ValueType.TEXT,
            "PEM certificate(s) of the CA that signed every node's cluster-tls-cert; the same on every node."),
    SNAPSHOT_INTERVAL("snapshot-interval", "3600", ValueType.NON_NEGATIVE_LONG,
            "Seconds between snapshots of the database (one node of the cluster takes each), and one is also taken"
                    + " when a stream grew by half its limits since the newest; 0: this node never takes one."),
    SNAPSHOT_KEEP("snapshot-keep", "2", ValueType.POSITIVE_INT,
            "Snapshots kept in the Object Store; an older one is deleted only after a newer one is complete."),
    SNAPSHOT_RESTORE_WAIT("snapshot-restore-wait", "30", ValueType.NON_NEGATIVE_LONG,
            "Seconds a new (empty) database waits for NATS to restore the newest snapshot before it opens empty."),
    CATCH_UP_WAIT("catch-up-wait", "30", ValueType.NON_NEGATIVE_LONG,
            "Seconds the first connection of a node waits until it applied what the change streams held at its start"
                    + " (a database that has run before waits for NATS itself only 2 s); 0: never waits."),
    CHANGE_FEED("change-feed", "", ValueType.SUBJECT_PREFIX,
            "Subject prefix of the cluster's change feed: every committed row change of the replicated tables is"
                    + " published once per cluster, as Debezium-style JSON, to <change-feed>.<table> in the stream"
                    + " <stream-prefix>-feed (one node emits, another takes over when it stops). Empty: no feed."),
    STATEMENT_CACHE_SIZE("statement-cache-size", "64", ValueType.NON_NEGATIVE_LONG,
            "Compiled statements each connection keeps for its next prepareStatement of the same SQL (statements"
                    + " without result columns, least recently used out first); 0: none kept.");

    private final String key;
    private final String defaultValue;
    private final ValueType type;
    private final String description;

    ConfigKey(String key, String defaultValue, ValueType type, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.type = type;
        this.description = description;
    }

    public String key() {
        return key;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    public ValueType type() {
        return type;
    }

    /** Accepted values for tools that offer a drop-down; null when the value is free. */
    public String[] choices() {
        return type == ValueType.BOOLEAN ? new String[] {"true", "false"} : null;
    }

    public static ConfigKey byKey(String key) {
        for (ConfigKey k : values()) {
            if (k.key.equals(key)) {
                return k;
            }
        }
        return null;
    }

    public static List<String> keys() {
        return java.util.Arrays.stream(values()).map(ConfigKey::key).toList();
    }

    /** How a value is read and what is accepted, said in the error when it is not. */
    public enum ValueType {
        TEXT("any text"),
        BOOLEAN("true or false"),
        POSITIVE_INT("an integer from 1 to 2147483647"),
        POSITIVE_LONG("an integer from 1 to 9223372036854775807"),
        NON_NEGATIVE_LONG("an integer from 0 to 9223372036854775807"),
        PORT("a port number from 1 to 65535"),
        NAME("letters, digits, '-' and '_'"),
        NAME_LIST("a comma-separated list of table names"),
        SUBJECT_PREFIX("a NATS subject prefix: tokens of letters, digits, '_' and '-' separated by dots, no wildcards;"
                + " or empty");

        private final String accepted;

        ValueType(String accepted) {
            this.accepted = accepted;
        }

        public String accepted() {
            return accepted;
        }
    }
}
