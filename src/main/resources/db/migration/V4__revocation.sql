-- Revocation services: one row per CA that publishes a CRL (RFC 5280 §5).
-- The CRL number lives here, never in a process's memory, so that it keeps
-- increasing whichever replica signs next: a replica locks the row
-- (SELECT ... FOR UPDATE), signs number + 1 and writes it back. The signed
-- CRL is kept too, so that every replica serves the same, latest one.
CREATE TABLE crl_state (
    id VARCHAR(32) PRIMARY KEY REFERENCES authority (id),
    crl_number BIGINT NOT NULL,
    -- Set in the revoking transaction; the CRL job re-signs within seconds.
    stale BOOLEAN NOT NULL,
    this_update TIMESTAMP WITH TIME ZONE,
    next_update TIMESTAMP WITH TIME ZONE,
    crl_der BYTEA
);

-- A CA certificate revoked by its parent appears on the parent's CRL.
ALTER TABLE authority ADD COLUMN revoked_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE authority ADD COLUMN revocation_reason INTEGER;

-- The CRL lists an issuer's revoked certificates without reading the others.
CREATE INDEX certificate_issuer_status ON certificate (issuer_id, status);
