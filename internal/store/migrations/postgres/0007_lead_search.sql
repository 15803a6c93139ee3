-- Lead search: lower-cased copies of the name and company fields, kept by
-- every write like email_key, so that =, LIKE 'prefix%' and sorting on
-- them use an index; indexes for the other columns searches and sorts use.
-- Merges keep the absorbed lead for GetMergedChildLeadsByAuditId.

ALTER TABLE leads ADD COLUMN first_name_key TEXT;
ALTER TABLE leads ADD COLUMN last_name_key TEXT;
ALTER TABLE leads ADD COLUMN company_key TEXT;
UPDATE leads SET
    first_name_key = NULLIF(lower(trim(fields::jsonb ->> 'FirstName')), ''),
    last_name_key  = NULLIF(lower(trim(fields::jsonb ->> 'LastName')), ''),
    company_key    = NULLIF(lower(trim(fields::jsonb ->> 'Company')), '');

-- COLLATE "C": byte order, so a prefix range (>= 'ab' AND < 'ac') uses the
-- index whatever the database's locale.
CREATE INDEX leads_first_name ON leads (org_id, first_name_key COLLATE "C");
CREATE INDEX leads_last_name ON leads (org_id, last_name_key COLLATE "C");
CREATE INDEX leads_company ON leads (org_id, company_key COLLATE "C");
CREATE INDEX leads_email_prefix ON leads (org_id, email_key COLLATE "C");
CREATE INDEX leads_owner ON leads (org_id, owner_id);
CREATE INDEX leads_created_on ON leads (org_id, created_on);
CREATE INDEX leads_modified_on ON leads (org_id, modified_on);

CREATE TABLE lead_merges (
    audit_id  TEXT   PRIMARY KEY,
    org_id    BIGINT NOT NULL REFERENCES orgs (id),
    master_id TEXT   NOT NULL,
    child_id  TEXT   NOT NULL,
    child     TEXT   NOT NULL,
    merged_on BIGINT NOT NULL
);
