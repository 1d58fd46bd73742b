-- grain: one row per lead created / lead converted of a lead's latest row in Fivetran's `lead` table
-- (soft-deleted rows make none), the same events as the Data Export's leads
-- source_table is raw.salesforce_leads for both readers, as a Salesforce Id names one record
-- whichever way it came: staging.events' event_id (md5 of source_table and natural_key) is the
-- same, so a lead in a Lead.csv export and in a Fivetran dump is one event (the file lineage says
-- which one it was read from)
{{ salesforce_lead_events(staging.fivetran_salesforce_leads, 'raw.salesforce_leads') }}
