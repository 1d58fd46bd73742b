-- grain: one row per stage date of a deal's latest row in Fivetran's `deal` table, as the CRM
-- export's (source_table raw.hubspot_deals: a deal in both counts once)
{{ hubspot_deal_events(staging.fivetran_hubspot_deal, _is_deleted) }}
