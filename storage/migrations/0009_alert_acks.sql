-- A level shift the team has acknowledged in /alerts: the digest stops repeating "still 28 %
-- below the level before W46" for that metric until a new shift starts (or the ack is cleared).
CREATE TABLE alert_acks (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    metric      TEXT    NOT NULL,
    since_week  TEXT    NOT NULL,  -- ISO date of the Monday the acknowledged shift started
    user_id     INTEGER NOT NULL,
    acked_at    TEXT    NOT NULL,
    PRIMARY KEY (project_id, metric)
) WITHOUT ROWID;
