-- grain: one row per lead created / lead converted of a lead's latest export
-- staging.events unions this file with every other source's (sql/staging/events.sql)
{{ salesforce_lead_events(staging.salesforce_leads, 'raw.salesforce_leads') }}
