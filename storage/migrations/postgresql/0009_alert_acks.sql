-- A level shift the team has acknowledged in /alerts (one per metric).
CREATE TABLE alert_acks (
    project_id  BIGINT      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    metric      TEXT        NOT NULL,
    since_week  DATE        NOT NULL,
    user_id     BIGINT      NOT NULL,
    acked_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (project_id, metric)
);
