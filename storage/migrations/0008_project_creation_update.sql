-- The Telegram update that created a project (the last onboarding step). Telegram may deliver
-- that update again after a crash; create_project then returns the project it made instead of
-- a second one.
ALTER TABLE projects ADD COLUMN creation_update_id INTEGER;
CREATE UNIQUE INDEX projects_by_creation_update ON projects (creation_update_id)
    WHERE creation_update_id IS NOT NULL;
