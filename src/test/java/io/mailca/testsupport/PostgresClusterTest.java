package io.mailca.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.Socket;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The harness itself: a real server, a password-checked user, and nothing left behind. */
class PostgresClusterTest {

    @Test
    @Timeout(120)
    void startsRealPostgresAndCleansUp() throws Exception {
        PostgresCluster pg;
        try (var cluster = PostgresCluster.start()) {
            pg = cluster;
            assertThat(pg.jdbcUrl())
                    .isEqualTo("jdbc:postgresql://127.0.0.1:" + pg.port() + "/mailca");
            try (var connection =
                            DriverManager.getConnection(pg.jdbcUrl(), pg.username(), pg.password());
                    var statement = connection.createStatement()) {
                var version = statement.executeQuery("SHOW server_version_num");
                version.next();
                assertThat(version.getInt(1) / 10000).isEqualTo(15);

                statement.execute("CREATE TABLE probe (id bigint PRIMARY KEY, name text)");
                statement.execute("INSERT INTO probe VALUES (1, 'mx1.example.test')");
                var rows = statement.executeQuery("SELECT name FROM probe WHERE id = 1");
                rows.next();
                assertThat(rows.getString(1)).isEqualTo("mx1.example.test");

                var owner = statement.executeQuery(
                        "SELECT current_user, current_database()");
                owner.next();
                assertThat(owner.getString(1)).isEqualTo("mailca");
                assertThat(owner.getString(2)).isEqualTo("mailca");
            }
            // The password is really checked, as in production (scram-sha-256 over TCP).
            assertThatThrownBy(() -> DriverManager.getConnection(
                            pg.jdbcUrl(), pg.username(), "wrong-" + pg.password()))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("password authentication failed");
        }

        assertThat(pg.logFile().getParent()).doesNotExist();
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), pg.port()).close())
                .isInstanceOf(java.net.ConnectException.class);
    }
}
