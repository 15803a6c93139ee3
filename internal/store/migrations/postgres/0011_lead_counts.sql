-- The table SQLite keeps each org's lead count in. PostgreSQL leaves it
-- empty: keeping it would make every lead insert of an org wait on one
-- row while concurrent inserts commit, and PostgreSQL counts a window of
-- LeadLastModifiedOn with an index-only scan instead.
CREATE TABLE lead_counts (
    org_id BIGINT PRIMARY KEY REFERENCES orgs (id),
    n      BIGINT NOT NULL
);
