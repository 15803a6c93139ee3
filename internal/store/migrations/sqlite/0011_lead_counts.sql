-- Each org's number of leads, kept by every lead insert and delete, so
-- that Leads.RecentlyModified over a window holding all of an org's leads
-- (the usual first sync: from long ago to now) answers its RecordCount
-- without counting a million index entries. SQLite only: see the
-- PostgreSQL migration of the same name.
CREATE TABLE lead_counts (
    org_id INTEGER PRIMARY KEY REFERENCES orgs (id),
    n      INTEGER NOT NULL
);
INSERT INTO lead_counts (org_id, n) SELECT org_id, COUNT(*) FROM leads GROUP BY org_id;
