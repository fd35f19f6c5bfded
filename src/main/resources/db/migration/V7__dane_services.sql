-- The service behind each TLSA owner name and probe (issue #4): a port alone does not say it
-- once an SRV record puts a service on another port than its standard one (RFC 7673 §3), and
-- the service tells how TLS starts there. Null in rows written before: the service whose
-- standard port the owner name carries.
ALTER TABLE dane_record ADD COLUMN service VARCHAR(16);
ALTER TABLE dane_probe ADD COLUMN service VARCHAR(16);
