-- Notes, experiments and formula KPIs (issue 14). Everything goes away with its project.

-- "What changed this week": a marker on charts and a sheet in /export.
CREATE TABLE notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    week_start TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    created_by INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    update_id  INTEGER,
    UNIQUE (project_id, update_id)
);
CREATE INDEX notes_by_week ON notes (project_id, week_start);

-- A named change expected to move one metric up or down from start_week (to end_week).
CREATE TABLE experiments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    metric     TEXT    NOT NULL,
    want_up    INTEGER NOT NULL CHECK (want_up IN (0, 1)),
    start_week TEXT    NOT NULL,
    end_week   TEXT,
    created_by INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    update_id  INTEGER,
    UNIQUE (project_id, update_id),
    CHECK (end_week IS NULL OR end_week >= start_week)
);
CREATE INDEX experiments_by_project ON experiments (project_id, start_week);

-- The user's own KPI: a formula over the project's metrics (kpi/expressions.py).
CREATE TABLE formula_kpis (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    formula    TEXT    NOT NULL,
    direction  TEXT    NOT NULL DEFAULT 'higher_is_better'
               CHECK (direction IN ('higher_is_better', 'lower_is_better', 'neutral')),
    unit       TEXT    NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (project_id, name)
) WITHOUT ROWID;
