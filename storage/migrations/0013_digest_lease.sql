-- Digest claims held by a lease the sending instance renews (a heartbeat) while it works:
-- a 'sending' claim whose lease_until has passed belongs to a dead instance and may be taken
-- over at once by another one; a live instance's claim never expires under it.
-- Claims made before this migration get the old rule: one hour from when they were taken.
ALTER TABLE digests ADD COLUMN lease_until TEXT;
UPDATE digests SET lease_until = strftime('%Y-%m-%dT%H:%M:%S+00:00', claimed_at, '+1 hour')
    WHERE status = 'sending';
-- Every tick looks for expired claims: only the few 'sending' rows are in this index.
CREATE INDEX digests_sending_by_lease ON digests (lease_until) WHERE status = 'sending';
