-- Who holds a 'sending' digest claim and how far it got, so that a restart can tell a claim
-- abandoned by a killed process from one in flight. boot_id: the process start (a random id
-- per `run`) that claimed it; send_started_at: set just before the chart is handed to Telegram.
-- At start, 'sending' claims of other boots are released and the digest goes out again.
ALTER TABLE digests ADD COLUMN boot_id TEXT;
ALTER TABLE digests ADD COLUMN send_started_at TEXT;
