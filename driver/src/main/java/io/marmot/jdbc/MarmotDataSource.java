package io.marmot.jdbc;

import io.marmot.config.ConfigKey;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.Map;
import java.util.Properties;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteDataSource;

/**
 * A {@link javax.sql.DataSource} for {@code jdbc:marmot:sqlite:} URLs: sqlite-jdbc's {@link SQLiteDataSource}
 * (so every sqlite-jdbc setter works the same) with a bean setter for every marmot parameter, for pools that
 * take a {@code dataSourceClassName} (HikariCP) and frameworks that bind properties (Spring). Parameters in the
 * URL count too; a setter wins over the URL.
 */
public class MarmotDataSource extends SQLiteDataSource {
    private static final MarmotDriver DRIVER = new MarmotDriver();
    private static final int DEFAULT_BUSY_TIMEOUT = new SQLiteConfig().getBusyTimeout();

    private final Map<ConfigKey, String> marmot = new EnumMap<>(ConfigKey.class);
    private boolean busyTimeoutSet;
    private boolean transactionModeSet;

    public MarmotDataSource() {
        setUrl(MarmotDriver.PREFIX);
    }

    public MarmotDataSource(SQLiteConfig config) {
        super(config);
        setUrl(MarmotDriver.PREFIX);
    }

    @Override
    public SQLiteConnection getConnection(String username, String password) throws SQLException {
        if (!DRIVER.acceptsURL(getUrl())) {
            throw new SQLException("MarmotDataSource needs a " + MarmotDriver.PREFIX + " URL, not '" + getUrl() + "'",
                    "08001");
        }
        // A copy: sqlite-jdbc hands out its config's own table, which what follows would change for every later call,
        // and under a pool's threads at once (TransactionModeTest: a key seen by one thread removed by another, NPE).
        Properties p = new Properties();
        p.putAll(getConfig().toProperties());
        if (!busyTimeoutSet && getConfig().getBusyTimeout() == DEFAULT_BUSY_TIMEOUT) {
            // sqlite-jdbc's config always carries its default: leave it out, so the driver's write-lock waiter
            // serves the connection as it does for a URL without busy_timeout.
            p.remove(SQLiteConfig.Pragma.BUSY_TIMEOUT.pragmaName);
        }
        if (!transactionModeSet && getConfig().getTransactionMode() == SQLiteConfig.TransactionMode.DEFERRED) {
            // Likewise the default transaction mode: left in, it would count as the application's choice and turn
            // off the driver's write-lock-first transactions (migrations would fail with SQLITE_BUSY).
            p.remove(SQLiteConfig.Pragma.TRANSACTION_MODE.pragmaName);
        }
        if (username != null) {
            p.setProperty("user", username);
        }
        if (password != null) {
            p.setProperty("pass", password);
        }
        marmot.forEach((k, v) -> p.setProperty(k.key(), v));
        return DRIVER.connect(getUrl(), p);
    }

    @Override
    public void setBusyTimeout(int milliseconds) {
        super.setBusyTimeout(milliseconds);
        busyTimeoutSet = true;
    }

    @Override
    public void setTransactionMode(String mode) {
        super.setTransactionMode(mode);
        transactionModeSet = true;
    }

    private void set(ConfigKey key, Object value) {
        marmot.put(key, String.valueOf(value));
    }

    // One setter per marmot parameter (MarmotDataSourceTest keeps the list complete); values are checked when
    // a connection is opened, with the same messages as for the URL.

    public void setNodeId(long nodeId) {
        set(ConfigKey.NODE_ID, nodeId);
    }

    public void setNatsUrl(String natsUrl) {
        set(ConfigKey.NATS_URL, natsUrl);
    }

    public void setShards(int shards) {
        set(ConfigKey.SHARDS, shards);
    }

    public void setMaxLogEntries(long maxLogEntries) {
        set(ConfigKey.MAX_LOG_ENTRIES, maxLogEntries);
    }

    public void setMaxLogBytes(long maxLogBytes) {
        set(ConfigKey.MAX_LOG_BYTES, maxLogBytes);
    }

    public void setMaxLogAge(long seconds) {
        set(ConfigKey.MAX_LOG_AGE, seconds);
    }

    public void setLogReplicas(int logReplicas) {
        set(ConfigKey.LOG_REPLICAS, logReplicas);
    }

    public void setSubjectPrefix(String subjectPrefix) {
        set(ConfigKey.SUBJECT_PREFIX, subjectPrefix);
    }

    public void setStreamPrefix(String streamPrefix) {
        set(ConfigKey.STREAM_PREFIX, streamPrefix);
    }

    public void setPublish(boolean publish) {
        set(ConfigKey.PUBLISH, publish);
    }

    public void setReplicate(boolean replicate) {
        set(ConfigKey.REPLICATE, replicate);
    }

    public void setTables(String tables) {
        set(ConfigKey.TABLES, tables);
    }

    public void setExcludeTables(String excludeTables) {
        set(ConfigKey.EXCLUDE_TABLES, excludeTables);
    }

    public void setPollInterval(long milliseconds) {
        set(ConfigKey.POLL_INTERVAL, milliseconds);
    }

    public void setMaxClockSkew(long milliseconds) {
        set(ConfigKey.MAX_CLOCK_SKEW, milliseconds);
    }

    public void setVerifyInterval(long seconds) {
        set(ConfigKey.VERIFY_INTERVAL, seconds);
    }

    public void setVerifyRepair(boolean repair) {
        set(ConfigKey.VERIFY_REPAIR, repair);
    }

    public void setConflictRetention(long seconds) {
        set(ConfigKey.CONFLICT_RETENTION, seconds);
    }

    public void setReplicateDrops(boolean replicateDrops) {
        set(ConfigKey.REPLICATE_DROPS, replicateDrops);
    }

    public void setShellDropColumn(boolean shellDropColumn) {
        set(ConfigKey.SHELL_DROP_COLUMN, shellDropColumn);
    }

    public void setCompress(boolean compress) {
        set(ConfigKey.COMPRESS, compress);
    }

    public void setSnapshotInterval(long seconds) {
        set(ConfigKey.SNAPSHOT_INTERVAL, seconds);
    }

    public void setSnapshotKeep(int keep) {
        set(ConfigKey.SNAPSHOT_KEEP, keep);
    }

    public void setSnapshotRestoreWait(long seconds) {
        set(ConfigKey.SNAPSHOT_RESTORE_WAIT, seconds);
    }

    public void setCatchUpWait(long seconds) {
        set(ConfigKey.CATCH_UP_WAIT, seconds);
    }

    /** Compiled statements each connection keeps for its next prepareStatement of the same SQL; 0: none. */
    public void setStatementCacheSize(int statements) {
        set(ConfigKey.STATEMENT_CACHE_SIZE, statements);
    }

    /** The subject prefix of the cluster's change feed (see the parameter {@code change-feed}); empty: none. */
    public void setChangeFeed(String subjectPrefix) {
        set(ConfigKey.CHANGE_FEED, subjectPrefix);
    }

    public void setNatsUser(String natsUser) {
        set(ConfigKey.NATS_USER, natsUser);
    }

    public void setNatsPassword(String natsPassword) {
        set(ConfigKey.NATS_PASSWORD, natsPassword);
    }

    public void setNatsToken(String natsToken) {
        set(ConfigKey.NATS_TOKEN, natsToken);
    }

    public void setNatsCreds(String path) {
        set(ConfigKey.NATS_CREDS, path);
    }

    public void setNatsNkey(String path) {
        set(ConfigKey.NATS_NKEY, path);
    }

    public void setNatsPort(int port) {
        set(ConfigKey.NATS_PORT, port);
    }

    public void setNatsServerPath(String path) {
        set(ConfigKey.NATS_SERVER_PATH, path);
    }

    public void setClusterAddr(String hostPort) {
        set(ConfigKey.CLUSTER_ADDR, hostPort);
    }

    public void setClusterPeers(String routeUrls) {
        set(ConfigKey.CLUSTER_PEERS, routeUrls);
    }

    public void setClusterName(String name) {
        set(ConfigKey.CLUSTER_NAME, name);
    }

    public void setClusterUser(String user) {
        set(ConfigKey.CLUSTER_USER, user);
    }

    public void setClusterPassword(String password) {
        set(ConfigKey.CLUSTER_PASSWORD, password);
    }

    public void setClusterTlsCert(String pemFile) {
        set(ConfigKey.CLUSTER_TLS_CERT, pemFile);
    }

    public void setClusterTlsKey(String pemFile) {
        set(ConfigKey.CLUSTER_TLS_KEY, pemFile);
    }

    public void setClusterTlsCa(String pemFile) {
        set(ConfigKey.CLUSTER_TLS_CA, pemFile);
    }
}
