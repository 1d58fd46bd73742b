-- grain: one row per stage date of a deal's latest export
-- staging.events unions this file with every other source's (sql/staging/events.sql)
{{ hubspot_deal_events(staging.hubspot_deals, false) }}
