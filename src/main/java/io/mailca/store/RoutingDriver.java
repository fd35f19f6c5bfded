package io.mailca.store;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * A JDBC driver that hands {@code jdbc:h2:} URLs to H2 and {@code jdbc:postgresql:} URLs to
 * PostgreSQL's driver.
 *
 * <p>Quarkus fixes the datasource's db-kind and driver class at build time. Routing by URL lets
 * one packaged build run on the embedded store for a first try and on PostgreSQL in production,
 * switched by environment variables alone.
 */
public final class RoutingDriver implements Driver {
    private static final Driver H2 = new org.h2.Driver();
    private static final Driver POSTGRESQL = new org.postgresql.Driver();

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        var delegate = delegateFor(url);
        return delegate == null ? null : delegate.connect(url, info);
    }

    @Override
    public boolean acceptsURL(String url) {
        return delegateFor(url) != null;
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        var delegate = delegateFor(url);
        return delegate == null ? new DriverPropertyInfo[0] : delegate.getPropertyInfo(url, info);
    }

    @Override
    public int getMajorVersion() {
        return 1;
    }

    @Override
    public int getMinorVersion() {
        return 0;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("no java.util.logging parent logger");
    }

    /** True when the URL names the embedded store. */
    public static boolean isEmbedded(String url) {
        return url != null && url.startsWith("jdbc:h2:");
    }

    private static Driver delegateFor(String url) {
        if (url == null) {
            return null;
        }
        if (url.startsWith("jdbc:h2:")) {
            return H2;
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        return null;
    }
}
