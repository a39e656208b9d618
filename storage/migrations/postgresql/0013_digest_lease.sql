-- Digest claims held by a lease the sending instance renews (see ../0013_digest_lease.sql).
ALTER TABLE digests ADD COLUMN lease_until TIMESTAMPTZ;
UPDATE digests SET lease_until = claimed_at + interval '1 hour' WHERE status = 'sending';
