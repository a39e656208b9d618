-- Who holds a 'sending' digest claim (boot_id: the process start that claimed it) and whether
-- the chart was already handed to Telegram (send_started_at).
ALTER TABLE digests ADD COLUMN boot_id TEXT;
ALTER TABLE digests ADD COLUMN send_started_at TIMESTAMPTZ;
