-- Placeholder mirroring ../0012_reserved.sql: number 0012 is reserved for another branch's
-- migration. The integrator replaces both files together when merging that branch.
SELECT 1;
