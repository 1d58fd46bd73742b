-- model: kind=by_file key=_source_file
-- grain: one row per raw Klaviyo event (one element of a Get Events response's `data`), typed,
-- email hashed, with its reject reason (NULL = usable)
-- Klaviyo API, Get Events (GET /api/events?include=profile,metric), a JSON:API response:
-- `{"data": [{"type": "event", "id", "attributes": {"timestamp" (epoch seconds), "datetime" (ISO
-- 8601 with offset), "event_properties", "uuid"}, "relationships": {"profile": {"data": {"type",
-- "id"}}, "metric": {"data": {"type", "id"}}}}], "included": [profile {"attributes": {"email",
-- ...}}, metric {"attributes": {"name", ...}}]}`. Landing puts beside each event the included
-- resources it names (`included`, reader json_api). The metric's name is the event's kind
-- (Received Email, Opened Email, Clicked Email, Bounced Email, Unsubscribed, Marked Email as
-- Spam); event_properties name the message (Klaviyo's message id, the key `$` `message`, written
-- chr(36) || 'message' here since a dollar-prefixed word in a model is a run parameter; `Campaign Name`),
-- the flow (`$` `flow`), a click's `URL` and a bounce's `Bounce Type`. The `Subject` stays in raw:
-- Klaviyo subjects are often personalised with the recipient's name.
with source as (
    select * from raw.klaviyo_events
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        nullif(trim(json_extract_string(record, '$.id')), '') as event_id,
        nullif(trim(json_extract_string(record, '$.relationships.profile.data.id')), '') as profile_id,
        nullif(trim(json_extract_string(record, '$.relationships.metric.data.id')), '') as metric_id,
        -- the event's properties (their dollar-prefixed keys are read in `resolved`)
        json_extract(record, '$.attributes.event_properties') as event_properties,
        -- timestamps (text as exported: the ISO datetime, else the epoch seconds)
        nullif(trim(json_extract_string(record, '$.attributes.datetime')), '') as datetime_text,
        nullif(trim(json_extract_string(record, '$.attributes.timestamp')), '') as timestamp_text,
        -- attributes
        nullif(trim(json_extract_string(record, '$.attributes.event_properties."Campaign Name"')), '')
            as campaign_name,
        nullif(trim(json_extract_string(record, '$.attributes.event_properties."URL"')), '') as url,
        nullif(lower(trim(json_extract_string(record, '$.attributes.event_properties."Bounce Type"'))), '')
            as bounce_type,
        -- the included profile and metric the event names (typed by from_json: portable to Spark)
        from_json(
            coalesce(json_extract(record, '$.included'), '[]'),
            '[{"type": "VARCHAR", "id": "VARCHAR", "attributes": {"email": "VARCHAR", "name": "VARCHAR"}}]'
        ) as included
    from source
),

resolved as (
    -- the event's profile and metric among the included resources landing put beside it
    select
        * exclude (included, event_properties),
        -- a computed `$."key"` path (Spark reads it as `$['key']`, engines/transpile.py)
        nullif(trim(json_extract_string(event_properties, '$."' || chr(36) || 'message"')), '')
            as message_id,
        nullif(trim(json_extract_string(event_properties, '$."' || chr(36) || 'flow"')), '') as flow_id,
        list_filter(included, lambda r: r."type" = 'profile')[1] is not null as has_profile,
        list_filter(included, lambda r: r."type" = 'profile')[1].attributes.email as email_text,
        trim(list_filter(included, lambda r: r."type" = 'metric')[1].attributes."name") as metric_name
    from renamed
),

typed as (
    select
        * exclude (email_text),
        {{ hash_email(email_text) }} as email_hash,
        list_transform(
            [coalesce(datetime_text, timestamp_text)], {{ parse_export_timestamp($klaviyo_time_zone) }}
        )[1] as occurred_at
    from resolved
),

judged as (
    select
        *,
        case metric_name
            when 'Received Email' then 'email_received'
            when 'Opened Email' then 'email_opened'
            when 'Clicked Email' then 'email_clicked'
            when 'Bounced Email' then 'email_bounced'
            when 'Unsubscribed' then 'email_unsubscribed'
            when 'Unsubscribed from Email Marketing' then 'email_unsubscribed'
            when 'Marked Email as Spam' then 'email_marked_spam'
        end as event_name,
        {'label': 'datetime', 'txt': coalesce(datetime_text, timestamp_text), 'ts': occurred_at}
            as time_check
    from typed
)

select
    * exclude (time_check, has_profile),
    case
        when event_id is null then 'missing id (the event id)'
        when metric_name is null and metric_id is null then 'missing relationships.metric (no metric)'
        when metric_name is null
            then 'metric ' || left(metric_id, 40)
                || ' not in the response''s included (request include=metric)'
        when event_name is null
            then 'metric is not an email metric read here: ' || left(metric_name, 60)
        when not has_profile and profile_id is null then 'missing relationships.profile (no person)'
        when not has_profile
            then 'profile ' || left(profile_id, 40)
                || ' not in the response''s included (request include=profile)'
        when email_hash is null then 'profile without email (no person to attach the event to)'
        when time_check.txt is null then 'missing datetime and timestamp'
        when {{ unusable_timestamp(time_check) }}
            then case when occurred_at is null
                then 'datetime is not a timestamp: ' || left(time_check.txt, 40)
                else 'datetime out of range (before 2000 or in the future): '
                    || cast(occurred_at as varchar) end
        when message_id is null and campaign_name is null
            then 'missing ' || chr(36) || 'message and Campaign Name (no campaign or flow message)'
        when event_name = 'email_clicked' and url is null then 'a Clicked Email without its URL'
    end as _reject_reason
from judged
