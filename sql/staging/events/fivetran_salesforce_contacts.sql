-- grain: one row per contact created in Fivetran's `contact` table, for contacts that no converted
-- lead of its `lead` table became, as the Data Export's contacts (source_table raw.salesforce_contacts:
-- one event whichever way the contact came, see fivetran_salesforce_leads.sql)
{{ salesforce_contact_events(staging.fivetran_salesforce_contacts, staging.fivetran_salesforce_leads, 'raw.salesforce_contacts') }}
