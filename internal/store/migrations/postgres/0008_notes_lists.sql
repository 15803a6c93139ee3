-- Lead notes, static lists and list membership. Every row carries its org
-- so that all reads filter by org first; deleting a lead deletes its notes
-- and memberships, deleting a list its memberships.

CREATE TABLE lead_notes (
    id              TEXT    PRIMARY KEY,
    org_id          BIGINT  NOT NULL REFERENCES orgs (id),
    lead_id         TEXT    NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    note            TEXT    NOT NULL DEFAULT '',
    attachment_name TEXT    NOT NULL DEFAULT '',
    created_by      TEXT    NOT NULL,
    modified_by     TEXT    NOT NULL,
    created_on      BIGINT  NOT NULL,
    modified_on     BIGINT  NOT NULL
);
-- RetrieveNote: one lead's notes by creation time.
CREATE INDEX lead_notes_lead ON lead_notes (org_id, lead_id, created_on);

CREATE TABLE lists (
    id          TEXT    PRIMARY KEY,
    org_id      BIGINT  NOT NULL REFERENCES orgs (id),
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    list_type   BIGINT  NOT NULL DEFAULT 0,
    created_by  TEXT    NOT NULL,
    created_on  BIGINT  NOT NULL,
    modified_on BIGINT  NOT NULL
);
-- List names are unique per org, case-insensitively (name_key is lower-cased).
CREATE UNIQUE INDEX lists_name_uq ON lists (org_id, name_key);

CREATE TABLE list_members (
    list_id  TEXT    NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    lead_id  TEXT    NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    org_id   BIGINT  NOT NULL REFERENCES orgs (id),
    added_on BIGINT  NOT NULL,
    PRIMARY KEY (list_id, lead_id)
);
-- Cascading deletes of a lead, and the lists a lead belongs to.
CREATE INDEX list_members_lead ON list_members (lead_id);
