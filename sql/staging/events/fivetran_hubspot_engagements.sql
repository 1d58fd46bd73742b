-- grain: one row per engagement (call, meeting, email) of Fivetran's engagement_* tables and
-- associated contact, as the CRM v3 export's (source_table raw.hubspot_engagements)
{{ hubspot_engagement_events(staging.fivetran_hubspot_engagements) }}
