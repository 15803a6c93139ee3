-- SQLite's migration of this name stores activities in lead order, as a
-- table keyed by (org, lead, date, auto_id). PostgreSQL has no table kept
-- in an index's order; its activities stay a heap, and Retrieve?leadId=
-- reads the activities_lead index, which migration 0010 made covering for
-- the count and the engagement sum. Nothing changes here.
SELECT 1;
