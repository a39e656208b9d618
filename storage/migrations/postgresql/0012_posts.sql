-- Posts from uploaded post lists (issue 13); see the SQLite migration for the versioning rule.
CREATE TABLE posts (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    batch_id   BIGINT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    post_key   TEXT   NOT NULL,
    published  DATE   NOT NULL,
    week_start DATE   NOT NULL,
    title      TEXT   NOT NULL DEFAULT '',
    link       TEXT,
    network    TEXT   NOT NULL DEFAULT '',
    metrics    JSONB  NOT NULL,
    PRIMARY KEY (batch_id, post_key)
);
CREATE INDEX posts_by_week ON posts (project_id, week_start);
CREATE INDEX posts_by_key ON posts (project_id, post_key, batch_id);
