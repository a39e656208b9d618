-- The name a user goes by in Telegram, shown by /members. NULL until seen.
ALTER TABLE users ADD COLUMN display_name TEXT;
