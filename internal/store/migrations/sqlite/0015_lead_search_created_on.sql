-- The searched columns' indexes carry created_on after the column.
-- Leads.Get with = on FirstName, LastName, Company or OwnerId sorted by
-- CreatedOn (LeadSquared's own example of the call) then reads the page in
-- order from the index (sorting only ties, by id), whatever the number of
-- matches, instead of reading every match's row for its CreatedOn and
-- sorting them all (1,000 matches among 1,000,000 leads: 200 calls/s and
-- 40 ms p99 at 4 clients before, 4,000 and 3 ms after). With id in the
-- index too the entries were three times the size and Lead/Bulk/Create
-- lost 8-22 %; without it, nothing measurable.
DROP INDEX leads_first_name;
DROP INDEX leads_last_name;
DROP INDEX leads_company;
DROP INDEX leads_owner;
CREATE INDEX leads_first_name ON leads (org_id, first_name_key, created_on);
CREATE INDEX leads_last_name ON leads (org_id, last_name_key, created_on);
CREATE INDEX leads_company ON leads (org_id, company_key, created_on);
CREATE INDEX leads_owner ON leads (org_id, owner_id, created_on);
