-- Orgs, users, key pairs, admin tokens, lead fields and leads.
-- Times are integer milliseconds since the Unix epoch, UTC; flags are 0/1.

CREATE TABLE orgs (
    id                  INTEGER PRIMARY KEY,
    name                TEXT    NOT NULL,
    plan                TEXT    NOT NULL DEFAULT 'unlimited',
    lead_delete_enabled INTEGER NOT NULL DEFAULT 0,
    journal_level       TEXT    NOT NULL DEFAULT 'full',
    clock_offset_ms     INTEGER NOT NULL DEFAULT 0,
    schema_version      INTEGER NOT NULL DEFAULT 1,
    lead_seq            INTEGER NOT NULL DEFAULT 0,
    created_on          INTEGER NOT NULL
);
CREATE UNIQUE INDEX orgs_name_uq ON orgs (name);

CREATE TABLE users (
    id          TEXT    PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    first_name  TEXT    NOT NULL DEFAULT '',
    last_name   TEXT    NOT NULL DEFAULT '',
    email       TEXT    NOT NULL,
    email_key   TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    time_zone   TEXT    NOT NULL DEFAULT 'UTC',
    created_on  INTEGER NOT NULL,
    modified_on INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email_uq ON users (org_id, email_key);

CREATE TABLE api_keys (
    access_key  TEXT    PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    user_id     TEXT    NOT NULL REFERENCES users (id),
    secret_hash TEXT    NOT NULL,
    created_on  INTEGER NOT NULL,
    revoked_on  INTEGER
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE admin_tokens (
    token_hash TEXT    PRIMARY KEY,
    created_on INTEGER NOT NULL
);

CREATE TABLE lead_fields (
    org_id               INTEGER NOT NULL REFERENCES orgs (id),
    schema_name          TEXT    NOT NULL,
    display_name         TEXT    NOT NULL,
    data_type            TEXT    NOT NULL,
    render_type          INTEGER NOT NULL,
    render_type_text     TEXT    NOT NULL,
    is_mandatory         INTEGER NOT NULL DEFAULT 0,
    is_unique            INTEGER NOT NULL DEFAULT 0,
    max_length           INTEGER NOT NULL DEFAULT 0,
    options              TEXT    NOT NULL DEFAULT '[]',
    show_in_quick_search INTEGER NOT NULL DEFAULT 0,
    position             INTEGER NOT NULL,
    created_on           INTEGER NOT NULL,
    modified_on          INTEGER NOT NULL,
    PRIMARY KEY (org_id, schema_name)
);

-- A lead's values live in one JSON object (fields); the columns beside it
-- are derived from it on every write, for constraints and indexes.
CREATE TABLE leads (
    id               TEXT    PRIMARY KEY,
    org_id           INTEGER NOT NULL REFERENCES orgs (id),
    auto_id          INTEGER NOT NULL,
    email_key        TEXT,
    phone_key        TEXT,
    mobile_key       TEXT,
    owner_id         TEXT,
    created_by       TEXT    NOT NULL,
    modified_by      TEXT    NOT NULL,
    created_on       INTEGER NOT NULL,
    modified_on      INTEGER NOT NULL,
    last_modified_on INTEGER NOT NULL,
    fields           TEXT    NOT NULL
);
CREATE UNIQUE INDEX leads_auto_id_uq ON leads (org_id, auto_id);
CREATE UNIQUE INDEX leads_email_key_uq ON leads (org_id, email_key) WHERE email_key IS NOT NULL;
CREATE UNIQUE INDEX leads_phone_key_uq ON leads (org_id, phone_key) WHERE phone_key IS NOT NULL;
CREATE UNIQUE INDEX leads_mobile_key_uq ON leads (org_id, mobile_key) WHERE mobile_key IS NOT NULL;
CREATE INDEX leads_last_modified ON leads (org_id, last_modified_on, id);
