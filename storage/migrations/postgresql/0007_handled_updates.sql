-- The update journal (see ../0007_handled_updates.sql), shared by every instance.
CREATE TABLE handled_updates (
    update_id  BIGINT PRIMARY KEY,
    handled_at TIMESTAMPTZ NOT NULL
);
