-- Each org's lead count on PostgreSQL, so that Leads.RecentlyModified over
-- a window that holds every lead reads a sum instead of counting a million
-- index entries (migration 0011 left lead_counts empty). The count is
-- spread over 64 rows an org: a lead insert or delete, or a bulk call once,
-- adds to one picked at random, in its own transaction, so concurrent
-- inserts rarely wait on one row.
DROP TABLE lead_counts;
CREATE TABLE lead_counts (
    org_id BIGINT  NOT NULL REFERENCES orgs (id),
    shard  INTEGER NOT NULL,
    n      BIGINT  NOT NULL,
    PRIMARY KEY (org_id, shard)
);
INSERT INTO lead_counts (org_id, shard, n) SELECT org_id, 0, COUNT(*) FROM leads GROUP BY org_id;
