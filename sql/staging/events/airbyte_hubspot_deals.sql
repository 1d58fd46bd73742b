-- grain: one row per stage date of a deal's latest row in Airbyte's `deals` stream, as the CRM
-- export's (source_table raw.hubspot_deals: a deal in both counts once)
{{ hubspot_deal_events(staging.airbyte_hubspot_deals, _is_deleted) }}
