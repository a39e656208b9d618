-- The name a user goes by in Telegram (first/last name and @username), remembered when they
-- write to the bot so that /members can show people instead of bare ids. NULL until seen.
ALTER TABLE users ADD COLUMN display_name TEXT;
