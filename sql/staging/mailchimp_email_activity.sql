-- model: kind=by_file key=_source_file
-- grain: one row per raw recipient record of a Mailchimp email-activity response (one campaign's
-- recipient with the list of their opens, clicks and bounces), typed, email hashed, with its reject
-- reason (NULL = usable)
-- Mailchimp Marketing API, GET /reports/{campaign_id}/email-activity: `{"emails": [{"campaign_id",
-- "list_id", "email_id", "email_address", "activity": [{"action": open|click|bounce, "type" (a
-- bounce's hard|soft), "timestamp", "url" (a click's link), "ip"}]}]}`. A record stays one row so
-- quarantine counts records as the file holds them; one unusable activity rejects its record and
-- names the activity. `activity` is kept as a JSON list of {action, bounce_type, occurred_at, url}
-- (sql/staging/events/mailchimp_email_activity.sql unnests it).
with source as (
    select * from raw.mailchimp_email_activity
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        nullif(trim(json_extract_string(record, '$.campaign_id')), '') as campaign_id,
        nullif(trim(json_extract_string(record, '$.list_id')), '') as list_id,
        json_extract_string(record, '$.email_address') as email_text,
        -- the activity list as exported (NULL when the record has none)
        json_extract(record, '$.activity') as activity_json
    from source
),

activities as (
    -- each activity's fields as text, in file order
    select
        *,
        {{ hash_email(email_text) }} as email_hash,
        -- typed by from_json, not a `[*]` path (a list in DuckDB, a text in Spark)
        case when json_type(activity_json) = 'ARRAY' then list_transform(
            from_json(activity_json,
                      '[{"action": "VARCHAR", "type": "VARCHAR", "timestamp": "VARCHAR", "url": "VARCHAR"}]'),
            lambda a: {
                'action': lower(trim(a.action)),
                'bounce_type': nullif(lower(trim(a."type")), ''),
                'timestamp_text': a."timestamp",
                'url': nullif(trim(a.url), '')
            }
        ) end as activity_texts
    from renamed
),

parsed as (
    select
        *,
        list_transform(
            list_transform(activity_texts, lambda a: a.timestamp_text),
            {{ parse_export_timestamp($mailchimp_time_zone) }}
        ) as parsed_times
    from activities
),

typed as (
    select
        * exclude (email_text, activity_json, activity_texts, parsed_times),
        list_transform(
            activity_texts,
            lambda a, i: {
                'action': a.action,
                'bounce_type': a.bounce_type,
                'timestamp_text': a.timestamp_text,
                'occurred_at': parsed_times[i],
                'url': a.url
            }
        ) as activity
    from parsed
),

judged as (
    select
        *,
        -- the first unusable activity of the record, with its place in the list (1-based)
        list_filter(
            list_transform(activity, lambda a, i: {
                'n': i,
                'reason': case
                    when a.action is null or a.action = '' then 'missing action'
                    when a.action not in ('open', 'click', 'bounce')
                        then 'action is not open, click or bounce: ' || left(a.action, 40)
                    when trim(coalesce(a.timestamp_text, '')) = '' then 'missing timestamp'
                    when a.occurred_at is null
                        then 'timestamp is not a timestamp: ' || left(a.timestamp_text, 40)
                    when a.occurred_at < timestamptz '2000-01-01 00:00:00+00'
                        or a.occurred_at > $as_of + interval 1 day
                        then 'timestamp out of range (before 2000 or in the future): '
                            || cast(a.occurred_at as varchar)
                    when a.action = 'click' and a.url is null then 'a click without its url'
                end
            }),
            lambda r: r.reason is not null
        )[1] as bad_activity
    from typed
)

select
    * exclude (bad_activity, activity),
    -- as JSON text, so the PII scrubber reads it like every text column (journeyflow/pii.py)
    to_json(list_transform(activity, lambda a: {
        'action': a.action, 'bounce_type': a.bounce_type, 'occurred_at': a.occurred_at, 'url': a.url
    })) as activity,
    case
        when email_hash is null then 'missing email_address (no person to attach the activity to)'
        when campaign_id is null then 'missing campaign_id'
        when activity is null then 'missing activity list'
        when bad_activity is not null
            then 'activity ' || bad_activity.n || ': ' || bad_activity.reason
    end as _reject_reason
from judged
