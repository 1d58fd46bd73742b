-- grain: one row per lead created / lead converted of a lead's latest row in Airbyte's `Lead` stream
-- (IsDeleted rows make none), the Data Export's events (source_table raw.salesforce_leads: a lead in
-- both counts once)
{{ salesforce_lead_events(staging.airbyte_salesforce_leads, 'raw.salesforce_leads') }}
