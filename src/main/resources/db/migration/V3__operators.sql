-- Operators: admin API tokens, External Account Binding keys, and the hash
-- chain of the audit log. Runs on PostgreSQL and on H2 in PostgreSQL mode.

-- account.name_scope comes from V2 (policy); an EAB key's scope is copied
-- into it when the key binds an account.

-- Bearer tokens of the admin API. Only the SHA-256 of a token is kept.
CREATE TABLE admin_token (
    id VARCHAR(32) PRIMARY KEY,
    token_sha256 VARCHAR(64) NOT NULL UNIQUE,
    name VARCHAR(200) NOT NULL,
    token_role VARCHAR(16) NOT NULL,
    created_by VARCHAR(200) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE,
    revoked_at TIMESTAMP WITH TIME ZONE
);

-- RFC 8555 §7.3.4: keys an operator hands out to bind new ACME accounts.
-- The HMAC key itself must be kept to verify bindings; it is shown once.
CREATE TABLE eab_key (
    kid VARCHAR(64) PRIMARY KEY,
    hmac_key VARCHAR(128) NOT NULL,
    label VARCHAR(200),
    name_scope VARCHAR,
    status VARCHAR(16) NOT NULL,
    account_id VARCHAR(32) UNIQUE REFERENCES account (id),
    created_by VARCHAR(200) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE,
    bound_at TIMESTAMP WITH TIME ZONE,
    revoked_at TIMESTAMP WITH TIME ZONE
);

-- The audit log becomes a hash chain: each row carries the hash of the row
-- before it and its own. audit_head holds the newest hash; appending locks
-- its one row, so replicas append one at a time.
ALTER TABLE audit_event ADD COLUMN prev_hash VARCHAR(64);
ALTER TABLE audit_event ADD COLUMN row_hash VARCHAR(64);
CREATE INDEX audit_event_actor ON audit_event (actor, occurred_at);
CREATE INDEX audit_event_action ON audit_event (action, occurred_at);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY,
    last_event_id BIGINT,
    last_hash VARCHAR(64) NOT NULL
);
INSERT INTO audit_head (id, last_event_id, last_hash)
    VALUES (1, NULL, '0000000000000000000000000000000000000000000000000000000000000000');
