package io.mailca.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mailca.registration.Operator;
import io.mailca.registration.Role;
import io.mailca.registration.TokenService;
import io.mailca.store.AuditLog;
import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The audit log's hash chain verifies, and a row changed behind MailCA's back breaks it. */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class AuditChainTest {
    @Inject
    AuditLog audit;

    @Inject
    TokenService tokens;

    @Inject
    DataSource dataSource;

    @Test
    void theChainVerifiesAndATamperedRowIsFound() throws Exception {
        var created = tokens.create(new Operator("test", Role.ADMIN), Role.VIEWER, "chain", null);
        assertThat(audit.verify().intact()).isTrue();

        long id;
        String details;
        String prevHash;
        String rowHash;
        String occurredAt;
        try (var c = dataSource.getConnection(); var s = c.prepareStatement(
                "select id, details, prev_hash, row_hash from audit_event"
                        + " where target = ? and action = 'token.created'")) {
            s.setString(1, "token:" + created.info().id());
            try (var rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                id = rs.getLong(1);
                details = rs.getString(2);
                prevHash = rs.getString(3);
                rowHash = rs.getString(4);
            }
        }
        // The row hash is SHA-256 over length-prefixed fields, recomputed here independently.
        var event = audit.page(null, null, "test", "token.created", 0, 500).items().stream()
                .filter(e -> e.id.equals(id)).findFirst().orElseThrow();
        occurredAt = event.occurredAt.toString();
        var input = field(prevHash) + field(String.valueOf(id)) + field(occurredAt)
                + field("test") + field("token.created") + field("token:" + created.info().id())
                + field(details);
        assertThat(rowHash).isEqualTo(HexFormat.of().formatHex(MessageDigest
                .getInstance("SHA-256").digest(input.getBytes(StandardCharsets.UTF_8))));

        update(id, details.replace("role=viewer", "role=admin"));
        try {
            var verification = audit.verify();

            assertThat(verification.intact()).isFalse();
            assertThat(verification.brokenAt()).isEqualTo(id);
            assertThat(verification.problem()).isEqualTo(
                    "row_hash does not match the row's contents (the row was changed)");
        } finally {
            update(id, details);
        }
        assertThat(audit.verify().intact()).isTrue();
    }

    @Test
    void concurrentTransactionsAppendOneChainAndARollbackLeavesNoEvent() throws Exception {
        var actor = "chain-test-" + System.nanoTime();
        var pool = Executors.newFixedThreadPool(8);
        try {
            var done = new ArrayList<Future<?>>();
            for (var i = 0; i < 40; i++) {
                var n = i;
                // Two events per transaction, as a finalize records signing and issued.
                done.add(pool.submit(() -> QuarkusTransaction.requiringNew().run(() -> {
                    audit.record(actor, "test.first", "t" + n, null);
                    audit.record(actor, "test.second", "t" + n, "n=" + n);
                })));
            }
            for (var future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> {
            audit.record(actor, "test.rolled-back", "t-1", null);
            throw new IllegalStateException("the change fails");
        })).hasMessage("the change fails");

        var events = audit.page(null, null, actor, null, 0, 500).items();
        assertThat(events).hasSize(80);
        assertThat(events).noneMatch(e -> e.action.equals("test.rolled-back"));
        // Each transaction's two events are neighbours in the chain, first before second.
        for (var i = 0; i < events.size(); i += 2) {
            var second = events.get(i);
            var first = events.get(i + 1);
            assertThat(second.action).isEqualTo("test.second");
            assertThat(first.action).isEqualTo("test.first");
            assertThat(second.target).isEqualTo(first.target);
            assertThat(second.prevHash).isEqualTo(first.rowHash);
        }
        var verification = audit.verify();
        assertThat(verification.problem()).isNull();
        assertThat(verification.intact()).isTrue();
    }

    private static String field(String value) {
        return value.length() + ":" + value;
    }

    private void update(long id, String details) throws SQLException {
        try (var c = dataSource.getConnection(); var s = c.prepareStatement(
                "update audit_event set details = ? where id = ?")) {
            s.setString(1, details);
            s.setLong(2, id);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }
}
