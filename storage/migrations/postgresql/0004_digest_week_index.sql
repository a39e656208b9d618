-- due_projects reads the claims of recent weeks.
CREATE INDEX digests_by_week ON digests (week_start, project_id);
