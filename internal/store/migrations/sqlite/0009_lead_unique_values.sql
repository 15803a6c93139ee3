-- Custom lead fields an admin marks unique: one row per (org, field, value),
-- so the primary key decides collisions as the leads_*_key indexes do for
-- EmailAddress, Phone and Mobile. value_key is the value trimmed and
-- lower-cased. Rows exist only for fields that are unique at the time.
CREATE TABLE lead_unique_values (
    org_id    INTEGER  NOT NULL REFERENCES orgs (id),
    field     TEXT    NOT NULL,
    value_key TEXT    NOT NULL,
    lead_id   TEXT    NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    PRIMARY KEY (org_id, field, value_key)
);
CREATE INDEX lead_unique_values_lead ON lead_unique_values (lead_id);

-- Field properties that CreateLeadField takes and LeadsMetaData.Get
-- reports but that lead writes do not consult, and who created and last
-- changed the field through the API ('' for rows written otherwise).
ALTER TABLE lead_fields ADD COLUMN show_in_import     INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lead_fields ADD COLUMN show_in_mail_merge INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lead_fields ADD COLUMN lock_after_create  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lead_fields ADD COLUMN use_in_lead_clone  INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lead_fields ADD COLUMN created_by         TEXT    NOT NULL DEFAULT '';
ALTER TABLE lead_fields ADD COLUMN modified_by        TEXT    NOT NULL DEFAULT '';
