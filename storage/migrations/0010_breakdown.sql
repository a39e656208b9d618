-- Networks and campaigns (issue 13): a value may belong to one network or one campaign of the
-- project; '' in both is the project-wide value, which every stored value becomes here.
-- entries and weekly_values are rebuilt because their keys gain the two columns (SQLite cannot
-- change a primary key in place); ids, batches and every value are copied as they are.

CREATE TABLE project_networks (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,  -- a built-in key (vk, instagram, …) or the user's own name
    created_at TEXT    NOT NULL,
    PRIMARY KEY (project_id, name)
) WITHOUT ROWID;

CREATE TABLE project_campaigns (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    start_week TEXT,
    end_week   TEXT,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (project_id, name),
    CHECK (end_week IS NULL OR start_week IS NULL OR end_week >= start_week)
) WITHOUT ROWID;

CREATE TABLE entries_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id       INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    project_id     INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    week_start     TEXT    NOT NULL,
    metric         TEXT    NOT NULL,
    value          REAL    NOT NULL,
    previous_value REAL,
    approximate    INTEGER NOT NULL DEFAULT 0 CHECK (approximate IN (0, 1)),
    network        TEXT    NOT NULL DEFAULT '',
    campaign       TEXT    NOT NULL DEFAULT '',
    CHECK (network = '' OR campaign = ''),
    UNIQUE (batch_id, week_start, metric, network, campaign)
);
INSERT INTO entries_new (id, batch_id, project_id, week_start, metric, value, previous_value,
                         approximate)
    SELECT id, batch_id, project_id, week_start, metric, value, previous_value, approximate
    FROM entries;
DROP TABLE entries;
ALTER TABLE entries_new RENAME TO entries;
CREATE INDEX entries_by_value
    ON entries (project_id, week_start, metric, network, campaign, batch_id DESC);

CREATE TABLE weekly_values_new (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    week_start  TEXT    NOT NULL,
    metric      TEXT    NOT NULL,
    network     TEXT    NOT NULL DEFAULT '',
    campaign    TEXT    NOT NULL DEFAULT '',
    value       REAL    NOT NULL,
    approximate INTEGER NOT NULL DEFAULT 0 CHECK (approximate IN (0, 1)),
    batch_id    INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    CHECK (network = '' OR campaign = ''),
    PRIMARY KEY (project_id, week_start, metric, network, campaign)
) WITHOUT ROWID;
INSERT INTO weekly_values_new (project_id, week_start, metric, value, approximate, batch_id)
    SELECT project_id, week_start, metric, value, approximate, batch_id FROM weekly_values;
DROP TABLE weekly_values;
ALTER TABLE weekly_values_new RENAME TO weekly_values;
CREATE INDEX weekly_values_by_batch ON weekly_values (batch_id);
