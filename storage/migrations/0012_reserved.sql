-- Placeholder: number 0012 is reserved for another branch's migration. The integrator deletes
-- this file when merging that branch (the loader requires numbers without gaps).
SELECT 1;
