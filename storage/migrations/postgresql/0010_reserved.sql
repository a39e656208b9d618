-- Placeholder mirroring ../0010_reserved.sql: number 0010 is reserved for another branch's
-- migration. The integrator replaces both files together when merging that branch.
SELECT 1;
