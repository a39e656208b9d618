-- The Telegram update that undid a batch: a redelivered /undo is answered, not applied again.
ALTER TABLE batches ADD COLUMN undo_update_id BIGINT;
CREATE UNIQUE INDEX batches_by_undo_update ON batches (project_id, undo_update_id)
    WHERE undo_update_id IS NOT NULL;
