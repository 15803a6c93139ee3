-- Rate-limit counters, one row per org: the standard and bulk buckets of
-- the current 5-second window and the current day. Used on PostgreSQL so
-- every instance counts in one place; on SQLite one process counts in
-- memory and this table stays empty.
CREATE TABLE quota_state (
    org_id   BIGINT PRIMARY KEY,
    std_win  BIGINT NOT NULL,
    std_n    BIGINT NOT NULL,
    bulk_win BIGINT NOT NULL,
    bulk_n   BIGINT NOT NULL,
    day      BIGINT NOT NULL,
    day_n    BIGINT NOT NULL
);
