-- grain: one row per contact created, for contacts that no converted lead became
-- staging.events unions this file with every other source's (sql/staging/events.sql)
{{ salesforce_contact_events(staging.salesforce_contacts, staging.salesforce_leads, 'raw.salesforce_contacts') }}
