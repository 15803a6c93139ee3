-- Activities are stored in lead order. Retrieve?leadId= reads a page of a
-- lead's activities newest first; with auto_id as the rowid those rows lay
-- where they were appended, among every other lead's, so a page of 25
-- cost 25 probes of a table of millions of rows, each most likely a page
-- read of its own. As a WITHOUT ROWID table keyed by (org, lead, date,
-- auto_id) a lead's activities sit together in date order: a page is one
-- descent and a short walk along neighbouring leaves, the count and the
-- engagement sum read the same range, and the separate activities_lead
-- index is gone. A new activity is usually the lead's newest, so it lands
-- at the end of its lead's range.
--
-- auto_id (ProspectActivityAutoId) is no longer the rowid; it comes from
-- activity_seq, one row the writer advances (never reused, as on
-- PostgreSQL).
CREATE TABLE activities_by_lead (
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    lead_id     TEXT    NOT NULL,
    activity_on INTEGER NOT NULL,
    auto_id     INTEGER NOT NULL,
    id          TEXT    NOT NULL,
    code        INTEGER NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT '',
    owner_id    TEXT    NOT NULL DEFAULT '',
    score       INTEGER NOT NULL DEFAULT 0,
    engagement  INTEGER NOT NULL DEFAULT 0,
    fields      TEXT    NOT NULL DEFAULT '{}',
    data        TEXT,
    locked      INTEGER NOT NULL DEFAULT 0,
    created_by  TEXT    NOT NULL,
    modified_by TEXT    NOT NULL,
    created_on  INTEGER NOT NULL,
    modified_on INTEGER NOT NULL,
    PRIMARY KEY (org_id, lead_id, activity_on, auto_id)
) WITHOUT ROWID;
INSERT INTO activities_by_lead (org_id, lead_id, activity_on, auto_id, id, code, note, status, owner_id, score,
    engagement, fields, data, locked, created_by, modified_by, created_on, modified_on)
SELECT org_id, lead_id, activity_on, auto_id, id, code, note, status, owner_id, score,
    engagement, fields, data, locked, created_by, modified_by, created_on, modified_on
FROM activities ORDER BY org_id, lead_id, activity_on, auto_id;

CREATE TABLE activity_seq (
    one  INTEGER PRIMARY KEY CHECK (one = 1),
    last INTEGER NOT NULL
);
INSERT INTO activity_seq (one, last) SELECT 1, COALESCE(MAX(auto_id), 0) FROM activities;

DROP TABLE activities;
ALTER TABLE activities_by_lead RENAME TO activities;
CREATE UNIQUE INDEX activities_id_uq ON activities (id);
-- RetrieveByActivityEvent: one type in a ModifiedOn window.
CREATE INDEX activities_code_modified ON activities (org_id, code, modified_on, auto_id);
-- RetrieveRecentlyModified: every type in a ModifiedOn window.
CREATE INDEX activities_modified ON activities (org_id, modified_on, auto_id);
