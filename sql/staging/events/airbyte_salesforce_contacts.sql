-- grain: one row per contact created in Airbyte's `Contact` stream, for contacts that no converted
-- lead of its `Lead` stream became, as the Data Export's (source_table raw.salesforce_contacts)
{{ salesforce_contact_events(staging.airbyte_salesforce_contacts, staging.airbyte_salesforce_leads, 'raw.salesforce_contacts') }}
