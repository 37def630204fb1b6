package io.marmot.jdbc;

import io.marmot.config.ConfigKey;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * The {@code jdbc:marmot:sqlite:} driver: sqlite-jdbc's own connections, replicated. Registered through
 * {@code META-INF/services/java.sql.Driver} and this class's static block.
 */
public final class MarmotDriver implements java.sql.Driver {
    public static final String PREFIX = ConnectionSpec.PREFIX;
    private static final org.sqlite.JDBC SQLITE = new org.sqlite.JDBC();

    static {
        try {
            DriverManager.registerDriver(new MarmotDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public MarmotConnection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        return MarmotConnection.open(ConnectionSpec.parse(url, info));
    }

    @Override
    public boolean acceptsURL(String url) {
        return ConnectionSpec.accepts(url);
    }

    /** Every marmot parameter with its value, default and description, then sqlite-jdbc's. */
    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        Properties given = new Properties();
        if (url != null && url.contains("?")) {
            for (String pair : url.substring(url.indexOf('?') + 1).split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    given.setProperty(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
        }
        if (info != null) {
            given.putAll(info);
        }
        List<DriverPropertyInfo> out = new ArrayList<>();
        for (ConfigKey k : ConfigKey.values()) {
            DriverPropertyInfo p = new DriverPropertyInfo(k.key(), given.getProperty(k.key(), k.defaultValue()));
            p.description = k.description() + (k.defaultValue().isEmpty() ? "" : " Default: " + k.defaultValue() + ".");
            p.required = false;
            p.choices = k.choices();
            out.add(p);
        }
        out.addAll(Arrays.asList(SQLITE.getPropertyInfo("jdbc:sqlite:", new Properties())));
        return out.toArray(new DriverPropertyInfo[0]);
    }

    @Override
    public int getMajorVersion() {
        return 0;
    }

    @Override
    public int getMinorVersion() {
        return 1;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("marmot logs through slf4j");
    }
}
