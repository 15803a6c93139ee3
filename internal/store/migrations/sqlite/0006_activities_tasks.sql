-- Activity types, activities and their change history, tasks, and the user
-- details UserManagement.svc keeps. System activity and task types are a Go
-- table (crm), so every org has them whenever it was created; only custom
-- types are rows.

CREATE TABLE activity_types (
    org_id               INTEGER NOT NULL REFERENCES orgs (id),
    code                 INTEGER NOT NULL,
    id                   TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    name_key             TEXT    NOT NULL,
    display_name         TEXT    NOT NULL,
    description          TEXT    NOT NULL DEFAULT '',
    score                INTEGER NOT NULL DEFAULT 0,
    direction            INTEGER NOT NULL DEFAULT 0,
    track_location       INTEGER NOT NULL DEFAULT 0,
    allow_attachments    INTEGER NOT NULL DEFAULT 0,
    show_in_grid         INTEGER NOT NULL DEFAULT 1,
    can_delete           INTEGER NOT NULL DEFAULT 0,
    active               INTEGER NOT NULL DEFAULT 1,
    fields               TEXT    NOT NULL DEFAULT '[]',
    created_on           INTEGER NOT NULL,
    modified_on          INTEGER NOT NULL,
    PRIMARY KEY (org_id, code)
);
CREATE UNIQUE INDEX activity_types_name_uq ON activity_types (org_id, name_key);
CREATE UNIQUE INDEX activity_types_id_uq ON activity_types (id);

-- auto_id is the rowid: inserts append, and it is ProspectActivityAutoId.
CREATE TABLE activities (
    auto_id     INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    lead_id     TEXT    NOT NULL,
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
    activity_on INTEGER NOT NULL,
    created_on  INTEGER NOT NULL,
    modified_on INTEGER NOT NULL
);
CREATE UNIQUE INDEX activities_id_uq ON activities (id);
-- Retrieve?leadId= (newest first, a page at a time) and the roll-ups.
CREATE INDEX activities_lead ON activities (org_id, lead_id, activity_on, auto_id);
-- RetrieveByActivityEvent: one type in a ModifiedOn window.
CREATE INDEX activities_code_modified ON activities (org_id, code, modified_on, auto_id);
-- RetrieveRecentlyModified: every type in a ModifiedOn window.
CREATE INDEX activities_modified ON activities (org_id, modified_on, auto_id);

CREATE TABLE activity_changes (
    seq         INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    activity_id TEXT    NOT NULL,
    lead_id     TEXT    NOT NULL,
    code        INTEGER NOT NULL,
    field       TEXT    NOT NULL,
    old_value   TEXT,
    new_value   TEXT,
    changed_by  TEXT    NOT NULL,
    changed_on  INTEGER NOT NULL
);
CREATE INDEX activity_changes_on ON activity_changes (org_id, changed_on, seq);
CREATE INDEX activity_changes_activity ON activity_changes (org_id, activity_id, changed_on);

CREATE TABLE tasks (
    auto_id              INTEGER PRIMARY KEY,
    id                   TEXT    NOT NULL,
    org_id               INTEGER NOT NULL REFERENCES orgs (id),
    type_id              TEXT    NOT NULL,
    category             INTEGER NOT NULL,
    name                 TEXT    NOT NULL,
    description          TEXT    NOT NULL DEFAULT '',
    related_entity       INTEGER NOT NULL DEFAULT 0,
    related_id           TEXT    NOT NULL DEFAULT '',
    owner_id             TEXT    NOT NULL,
    due_on               INTEGER NOT NULL,
    end_on               INTEGER NOT NULL,
    reminder             INTEGER NOT NULL DEFAULT 0,
    reminder_before_days INTEGER NOT NULL DEFAULT 0,
    reminder_time        TEXT    NOT NULL DEFAULT '',
    notify_by            TEXT    NOT NULL DEFAULT '1000',
    status               INTEGER NOT NULL DEFAULT 0,
    completed_on         INTEGER NOT NULL DEFAULT 0,
    location             TEXT    NOT NULL DEFAULT '',
    priority             INTEGER NOT NULL DEFAULT 0,
    fields               TEXT    NOT NULL DEFAULT '{}',
    created_by           TEXT    NOT NULL,
    modified_by          TEXT    NOT NULL,
    created_on           INTEGER NOT NULL,
    modified_on          INTEGER NOT NULL
);
CREATE UNIQUE INDEX tasks_id_uq ON tasks (id);
CREATE INDEX tasks_owner_due ON tasks (org_id, owner_id, due_on, auto_id);
CREATE INDEX tasks_related ON tasks (org_id, related_id, due_on, auto_id);

-- UserManagement.svc attributes beyond the columns auth needs.
ALTER TABLE users ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN obsolete INTEGER NOT NULL DEFAULT 0;
