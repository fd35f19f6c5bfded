-- Mail-hostname policy (issue 3).

-- The names an account may get certified, narrower than the global policy:
-- comma-separated host names and globs (mx-k8s-*.example.com); NULL means
-- unrestricted. Copied from the External Account Binding key that created
-- the account.
ALTER TABLE account ADD COLUMN name_scope VARCHAR;

-- When CAA (RFC 8659) last allowed this authorization's name; finalize
-- checks again when this is older than 8 hours. NULL: never checked.
ALTER TABLE authz ADD COLUMN caa_checked_at TIMESTAMP WITH TIME ZONE;
