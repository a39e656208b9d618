-- The scheduler's minute tick (due_projects) reads the distinct schedules of active projects,
-- then, for the schedules whose moment has passed, only the projects whose digest for that
-- week is not sent: projects.last_digest_week (the newest week with a sent digest, kept by the
-- triggers below whatever writes the digests table) makes that a range in this index instead
-- of a look-up per project.
-- '' until a first digest is sent: it sorts before every week, so `< week` stays one range.
ALTER TABLE projects ADD COLUMN last_digest_week TEXT NOT NULL DEFAULT '';

UPDATE projects SET last_digest_week = COALESCE((
    SELECT MAX(week_start) FROM digests d WHERE d.project_id = projects.id AND d.status = 'sent'),
    '');

CREATE TRIGGER digests_sent_on_insert AFTER INSERT ON digests WHEN NEW.status = 'sent'
BEGIN
    UPDATE projects SET last_digest_week = NEW.week_start
    WHERE id = NEW.project_id AND last_digest_week < NEW.week_start;
END;

CREATE TRIGGER digests_sent_on_update AFTER UPDATE OF status ON digests
WHEN NEW.status = 'sent'
BEGIN
    UPDATE projects SET last_digest_week = NEW.week_start
    WHERE id = NEW.project_id AND last_digest_week < NEW.week_start;
END;

CREATE INDEX projects_by_schedule ON projects
    (schedule_enabled, delivery_paused, timezone, schedule_weekday, schedule_time,
     last_digest_week);
