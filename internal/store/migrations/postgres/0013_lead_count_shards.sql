-- Each org's lead count on PostgreSQL, in 64 shards: a lead insert or
-- delete adds to one shard picked at random, so concurrent inserts of an
-- org rarely wait on the same row, and Leads.RecentlyModified over a
-- window that holds every lead reads the sum instead of counting a
-- million index entries (migration 0011 left this table empty).
DROP TABLE lead_counts;
CREATE TABLE lead_counts (
    org_id BIGINT  NOT NULL REFERENCES orgs (id),
    shard  INTEGER NOT NULL,
    n      BIGINT  NOT NULL,
    PRIMARY KEY (org_id, shard)
);
INSERT INTO lead_counts (org_id, shard, n) SELECT org_id, 0, COUNT(*) FROM leads GROUP BY org_id;
