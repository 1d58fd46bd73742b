-- grain: one row per engagement (call, meeting, email) of Airbyte's engagements_* streams and
-- associated contact, as the CRM v3 export's (source_table raw.hubspot_engagements)
{{ hubspot_engagement_events(staging.airbyte_hubspot_engagements) }}
