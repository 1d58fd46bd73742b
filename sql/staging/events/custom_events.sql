-- grain: one event per usable record of a custom source (latest export of an event id)
-- staging.events unions this file with every other source's (sql/staging/events.sql); `source` is
-- the custom source's name, so taxonomy rules match it (the mapping's `rules:`, or touchpoints.yaml)
with custom as (
    {{ latest_version(staging.custom_events, event_key, false) }}
)

select
    custom_source as source,
    'raw.custom_events' as source_table,
    event_key as natural_key,
    coalesce(event_id_text, _row_hash) as source_record_id,
    _source_file, _row_number, _load_id,
    occurred_at,
    anonymous_id,
    user_id,
    email_hash,
    crm_contact_id,
    support_user_id,
    event_name,
    {{ event_visit(null, null, null, null) }},
    origin,
    value,
    currency,
    properties
from custom
