-- SQLite's migration of this name advances its activity counter from a
-- trigger; PostgreSQL's activities take auto_id from an identity column.
-- Nothing changes here.
SELECT 1;
