-- Every activity post recomputes the lead's EngagementScore: the sum of
-- the engagement of its activities dated in the last 30 days. With
-- engagement in the (org, lead, activity date) index that sum reads the
-- index range alone, however many recent activities the lead has, instead
-- of one table row each. Retrieve?leadId= pages and the roll-ups use the
-- same index as before.
DROP INDEX activities_lead;
CREATE INDEX activities_lead ON activities (org_id, lead_id, activity_on, auto_id, engagement);
