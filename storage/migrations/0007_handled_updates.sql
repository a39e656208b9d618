-- Updates whose handler finished but that Telegram has not been told about yet (the offset
-- goes out with the next getUpdates, or stays behind a slower update). After a crash Telegram
-- delivers them again; the poller skips the ones listed here, so a handler that is not
-- idempotent by itself (/new, invites, settings) never runs twice for one update. Rows below
-- the confirmed offset are deleted.
CREATE TABLE handled_updates (
    update_id  INTEGER PRIMARY KEY,
    handled_at TEXT    NOT NULL
);
