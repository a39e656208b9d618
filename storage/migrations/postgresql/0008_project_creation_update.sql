-- The Telegram update that created a project: a redelivery returns that project.
ALTER TABLE projects ADD COLUMN creation_update_id BIGINT;
CREATE UNIQUE INDEX projects_by_creation_update ON projects (creation_update_id)
    WHERE creation_update_id IS NOT NULL;
