-- Posts from uploaded post lists (issue 13): each row of a Meta / VK / Telegram export or a
-- plain `date,post,reach,…` table, kept beside the weekly sums the same import saved.
-- Every import batch keeps its own copy of a post (PRIMARY KEY batch_id, post_key): the current
-- post is the copy of the newest batch not undone, so importing a file twice counts each post
-- once, and undoing an import brings the earlier copy back, as undo does for values.
CREATE TABLE posts (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    batch_id   INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    post_key   TEXT    NOT NULL,
    published  TEXT    NOT NULL,
    week_start TEXT    NOT NULL,
    title      TEXT    NOT NULL DEFAULT '',
    link       TEXT,
    network    TEXT    NOT NULL DEFAULT '',
    metrics    TEXT    NOT NULL, -- JSON object: metric key → number
    PRIMARY KEY (batch_id, post_key)
) WITHOUT ROWID;
CREATE INDEX posts_by_week ON posts (project_id, week_start);
CREATE INDEX posts_by_key ON posts (project_id, post_key, batch_id);
