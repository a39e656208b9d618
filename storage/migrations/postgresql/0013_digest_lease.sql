-- Digest claims held by a lease the sending instance renews (see ../0013_digest_lease.sql).
ALTER TABLE digests ADD COLUMN lease_until TIMESTAMPTZ;
UPDATE digests SET lease_until = claimed_at + interval '1 hour' WHERE status = 'sending';
-- Every tick looks for expired claims: only the few 'sending' rows are in this index.
CREATE INDEX digests_sending_by_lease ON digests (lease_until) WHERE status = 'sending';
