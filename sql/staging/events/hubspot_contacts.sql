-- grain: one row per lifecycle date of a contact's latest export (created, lead, MQL, SQL, customer, email opened)
-- staging.events unions this file with every other source's (sql/staging/events.sql)
{{ hubspot_contact_events(staging.hubspot_contacts, false) }}
