-- smm-kpi-bot initial schema. Datetimes: ISO-8601 strings in UTC; dates: ISO dates;
-- booleans: 0/1. Everything a project owns goes away with it (ON DELETE CASCADE).

CREATE TABLE projects (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT    NOT NULL,
    goal             TEXT    NOT NULL DEFAULT '',
    timezone         TEXT    NOT NULL,
    language         TEXT    NOT NULL DEFAULT 'ru',
    created_at       TEXT    NOT NULL,
    channel_chat_id  INTEGER,
    channel_title    TEXT,
    schedule_weekday INTEGER NOT NULL DEFAULT 0 CHECK (schedule_weekday BETWEEN 0 AND 6),
    schedule_time    TEXT    NOT NULL DEFAULT '10:00',
    schedule_enabled INTEGER NOT NULL DEFAULT 1 CHECK (schedule_enabled IN (0, 1)),
    delivery_paused  INTEGER NOT NULL DEFAULT 0 CHECK (delivery_paused IN (0, 1)),
    reminder_hours   INTEGER DEFAULT 24
);
CREATE INDEX projects_by_channel ON projects (channel_chat_id) WHERE channel_chat_id IS NOT NULL;

CREATE TABLE users (
    id                INTEGER PRIMARY KEY,
    language          TEXT,
    active_project_id INTEGER REFERENCES projects (id) ON DELETE SET NULL,
    created_at        TEXT NOT NULL
);
CREATE INDEX users_by_active_project ON users (active_project_id);

CREATE TABLE members (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    joined_at  TEXT    NOT NULL,
    PRIMARY KEY (project_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_by_user ON members (user_id, project_id);

CREATE TABLE project_kpis (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    metric     TEXT    NOT NULL,
    target     REAL,
    custom     INTEGER NOT NULL DEFAULT 0 CHECK (custom IN (0, 1)),
    direction  TEXT    NOT NULL DEFAULT 'higher_is_better',
    position   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, metric)
) WITHOUT ROWID;

CREATE TABLE alert_thresholds (
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    metric       TEXT    NOT NULL,
    warning_pct  REAL    NOT NULL,
    critical_pct REAL    NOT NULL,
    PRIMARY KEY (project_id, metric)
) WITHOUT ROWID;

CREATE TABLE batches (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    source     TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    undone_at  TEXT,
    update_id  INTEGER,
    UNIQUE (project_id, update_id)
);
CREATE INDEX batches_by_project ON batches (project_id, id DESC);
CREATE INDEX batches_by_user ON batches (user_id);

-- Append-only history: one row per value a batch wrote.
CREATE TABLE entries (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id       INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    project_id     INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    week_start     TEXT    NOT NULL,
    metric         TEXT    NOT NULL,
    value          REAL    NOT NULL,
    previous_value REAL,
    approximate    INTEGER NOT NULL DEFAULT 0 CHECK (approximate IN (0, 1)),
    UNIQUE (batch_id, week_start, metric)
);
CREATE INDEX entries_by_value ON entries (project_id, week_start, metric, batch_id DESC);

-- The current value of each project/week/metric and the batch that set it.
CREATE TABLE weekly_values (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    week_start  TEXT    NOT NULL,
    metric      TEXT    NOT NULL,
    value       REAL    NOT NULL,
    approximate INTEGER NOT NULL DEFAULT 0 CHECK (approximate IN (0, 1)),
    batch_id    INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, week_start, metric)
) WITHOUT ROWID;
CREATE INDEX weekly_values_by_batch ON weekly_values (batch_id);

CREATE TABLE invites (
    token      TEXT    PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    created_by INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    max_uses   INTEGER NOT NULL CHECK (max_uses >= 1),
    uses       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX invites_by_project ON invites (project_id);

CREATE TABLE digests (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    week_start TEXT    NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('sending', 'sent')),
    claimed_at TEXT    NOT NULL,
    sent_at    TEXT,
    PRIMARY KEY (project_id, week_start)
) WITHOUT ROWID;

CREATE TABLE reminders (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    week_start TEXT    NOT NULL,
    user_id    INTEGER NOT NULL,
    sent_at    TEXT    NOT NULL,
    PRIMARY KEY (project_id, week_start, user_id)
) WITHOUT ROWID;
CREATE INDEX reminders_by_user ON reminders (user_id);

-- aiogram FSM state and data (JSON), keyed by StorageKey. thread_id NULL is stored as 0 and
-- business_connection_id NULL as '' so that the key can be a plain primary key.
CREATE TABLE fsm (
    bot_id                 INTEGER NOT NULL,
    chat_id                INTEGER NOT NULL,
    user_id                INTEGER NOT NULL,
    thread_id              INTEGER NOT NULL DEFAULT 0,
    business_connection_id TEXT    NOT NULL DEFAULT '',
    destiny                TEXT    NOT NULL DEFAULT 'default',
    state                  TEXT,
    data                   TEXT    NOT NULL DEFAULT '{}',
    updated_at             TEXT    NOT NULL,
    PRIMARY KEY (bot_id, chat_id, user_id, thread_id, business_connection_id, destiny)
) WITHOUT ROWID;
CREATE INDEX fsm_by_user ON fsm (user_id);
