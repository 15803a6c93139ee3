-- PostgreSQL's migration of this name shards its lead counts and starts
-- keeping them. SQLite's single writer keeps one row an org (migration
-- 0011); nothing changes here.
SELECT 1;
