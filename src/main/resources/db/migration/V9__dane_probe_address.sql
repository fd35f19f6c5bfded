-- The address each probe connected to (issue #4): a host is probed at every AAAA and A address,
-- one row per port and address, and a port counts as serving a key only when every address
-- that answered in the newest probe served it. Null in rows written before, and when the
-- host's addresses could not be resolved.
ALTER TABLE dane_probe ADD COLUMN address VARCHAR(64);
