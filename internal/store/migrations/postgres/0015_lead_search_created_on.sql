-- The searched columns' indexes carry created_on after the column (as on
-- SQLite, whose migration of this name says why): = on FirstName,
-- LastName, Company or OwnerId sorted by CreatedOn reads the page in order
-- from the index.
DROP INDEX leads_first_name;
DROP INDEX leads_last_name;
DROP INDEX leads_company;
DROP INDEX leads_owner;
CREATE INDEX leads_first_name ON leads (org_id, first_name_key COLLATE "C", created_on);
CREATE INDEX leads_last_name ON leads (org_id, last_name_key COLLATE "C", created_on);
CREATE INDEX leads_company ON leads (org_id, company_key COLLATE "C", created_on);
CREATE INDEX leads_owner ON leads (org_id, owner_id, created_on);
