-- The TTL the RRset of each published TLSA record carries (issue #4). It is MailCA's setting
-- unless others hold records at the owner name, whose TTL the RRset keeps (RFC 2181 §5.2);
-- a superseded key waits twice the larger one. Null in rows written before: the setting.
ALTER TABLE dane_record ADD COLUMN ttl INTEGER;
