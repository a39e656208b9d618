-- Networks and campaigns (issue 13), mirroring ../0010_breakdown.sql: a value may belong to one
-- network or one campaign; '' in both is the project-wide value, which every stored value becomes.

CREATE TABLE project_networks (
    project_id BIGINT      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (project_id, name)
);

CREATE TABLE project_campaigns (
    project_id BIGINT      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT        NOT NULL,
    start_week DATE,
    end_week   DATE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (project_id, name),
    CHECK (end_week IS NULL OR start_week IS NULL OR end_week >= start_week)
);

ALTER TABLE entries ADD COLUMN network TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN campaign TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD CONSTRAINT entries_one_segment CHECK (network = '' OR campaign = '');
ALTER TABLE entries DROP CONSTRAINT entries_batch_id_week_start_metric_key;
ALTER TABLE entries ADD CONSTRAINT entries_batch_id_week_start_metric_key
    UNIQUE (batch_id, week_start, metric, network, campaign);
DROP INDEX entries_by_value;
CREATE INDEX entries_by_value
    ON entries (project_id, week_start, metric, network, campaign, batch_id DESC);

ALTER TABLE weekly_values ADD COLUMN network TEXT NOT NULL DEFAULT '';
ALTER TABLE weekly_values ADD COLUMN campaign TEXT NOT NULL DEFAULT '';
ALTER TABLE weekly_values ADD CONSTRAINT weekly_values_one_segment
    CHECK (network = '' OR campaign = '');
ALTER TABLE weekly_values DROP CONSTRAINT weekly_values_pkey;
ALTER TABLE weekly_values ADD PRIMARY KEY (project_id, week_start, metric, network, campaign);
