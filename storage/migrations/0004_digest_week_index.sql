-- due_projects reads the claims of recent weeks: without this index it scans every digest ever sent.
CREATE INDEX digests_by_week ON digests (week_start, project_id);
