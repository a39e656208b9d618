-- projects.last_digest_week: the newest week with a sent digest, kept by the trigger below,
-- so that due_projects reads one index range per schedule. '0001-01-01' until a first digest.
ALTER TABLE projects ADD COLUMN last_digest_week DATE NOT NULL DEFAULT '0001-01-01';

UPDATE projects SET last_digest_week = COALESCE((
    SELECT MAX(week_start) FROM digests d WHERE d.project_id = projects.id AND d.status = 'sent'),
    '0001-01-01');

CREATE FUNCTION digests_mark_sent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE projects SET last_digest_week = NEW.week_start
    WHERE id = NEW.project_id AND last_digest_week < NEW.week_start;
    RETURN NULL;
END;
$$;

CREATE TRIGGER digests_sent_on_insert AFTER INSERT ON digests
    FOR EACH ROW WHEN (NEW.status = 'sent') EXECUTE FUNCTION digests_mark_sent();

CREATE TRIGGER digests_sent_on_update AFTER UPDATE OF status ON digests
    FOR EACH ROW WHEN (NEW.status = 'sent') EXECUTE FUNCTION digests_mark_sent();

CREATE INDEX projects_by_schedule ON projects
    (schedule_enabled, delivery_paused, timezone, schedule_weekday, schedule_time,
     last_digest_week);
