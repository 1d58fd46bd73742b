-- The typed Snowplow events of a raw table whose records are JSON keyed by the enriched-event /
-- atomic.events column names: {{ snowplow_typed_events(raw.snowplow_events) }}. Shared by
-- staging.snowplow_events (enriched TSV, SDK JSON) and staging.snowplow_atomic_events
-- (atomic.events table dumps), so both readers type, check and name events alike.
with source as (
    select * from $arg
),

valid_json as (
    -- every line in one pass, parsed once into the members we use (NULL when it is not JSON:
    -- rejected in `checked`; no UNION ALL BY NAME of valid and invalid lines, which Spark SQL
    -- lacks). One from_json instead of a json_extract_string per member: each of those parsed the
    -- whole 3.5 KB line again (35 parses per line, 2 minutes for 520k lines at 10M events).
    -- Every member is read as text, as json_extract_string gives it (numbers and booleans of the
    -- SDK shape as their JSON text). Not read, so they stay in raw: `refr_term`, the words the
    -- visitor searched for on the referring search engine (free text that can name a person or an
    -- illness; nothing here uses it: docs/architecture.md "Personal data"), `mkt_term`, and the
    -- IP address, fingerprint, user agent and IP lookups.
    select
        _load_id, _source_file, _row_number, _row_hash,
        json_valid(record) as is_json,
        case when json_valid(record) then from_json(record, '{
            "event_id": "VARCHAR", "domain_userid": "VARCHAR", "user_id": "VARCHAR",
            "domain_sessionid": "VARCHAR", "domain_sessionidx": "VARCHAR",
            "collector_tstamp": "VARCHAR", "derived_tstamp": "VARCHAR", "dvce_created_tstamp": "VARCHAR",
            "event": "VARCHAR", "event_vendor": "VARCHAR", "event_name": "VARCHAR",
            "event_version": "VARCHAR", "se_category": "VARCHAR", "se_action": "VARCHAR",
            "se_label": "VARCHAR", "se_value": "VARCHAR", "tr_orderid": "VARCHAR",
            "tr_total": "VARCHAR", "tr_currency": "VARCHAR", "page_url": "VARCHAR",
            "page_urlpath": "VARCHAR", "page_title": "VARCHAR", "mkt_source": "VARCHAR",
            "mkt_medium": "VARCHAR", "mkt_campaign": "VARCHAR", "refr_medium": "VARCHAR",
            "refr_source": "VARCHAR", "refr_urlhost": "VARCHAR",
            "page_referrer": "VARCHAR", "dvce_sent_tstamp": "VARCHAR",
            "app_id": "VARCHAR", "platform": "VARCHAR", "dvce_type": "VARCHAR",
            "geo_country": "VARCHAR", "unstruct_event": "VARCHAR"
        }') end as r,
        -- only an SDK line has flattened `unstruct_event_<vendor>_<name>_<model>` members (looked up
        -- by a key computed per line, so not in the struct above); `_` matches any character, so
        -- this keeps every line that can have one
        case when json_valid(record) and record like '%"unstruct_event_%' then record end as sdk_record
    from source
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, is_json,
        -- ids
        r.event_id as event_id,
        nullif(trim(r.domain_userid), '') as domain_userid,
        nullif(trim(r.user_id), '') as user_id,
        r.domain_sessionid as domain_sessionid,
        r.domain_sessionidx as domain_sessionidx_text,
        -- timestamps (text as exported)
        r.collector_tstamp as collector_tstamp_text,
        r.derived_tstamp as derived_tstamp_text,
        r.dvce_created_tstamp as dvce_created_tstamp_text,
        r.dvce_sent_tstamp as dvce_sent_tstamp_text,
        -- event
        r.event as event_type,
        r.event_vendor as event_vendor,
        r.event_name as unstruct_name,
        r.event_version as event_version,
        r.se_category as se_category,
        r.se_action as se_action,
        r.se_label as se_label,
        r.se_value as se_value_text,
        r.tr_orderid as tr_orderid,
        r.tr_total as tr_total_text,
        r.tr_currency as tr_currency,
        -- page and campaign
        r.page_url as page_url,
        r.page_urlpath as page_urlpath,
        r.page_title as page_title,
        r.mkt_source as mkt_source,
        r.mkt_medium as mkt_medium,
        r.mkt_campaign as mkt_campaign,
        r.refr_medium as refr_medium,
        r.refr_source as refr_source,
        r.refr_urlhost as refr_urlhost,
        r.page_referrer as page_referrer,
        -- attributes
        r.app_id as app_id,
        r.platform as platform,
        r.dvce_type as dvce_type,
        r.geo_country as geo_country,
        -- the unstruct event's own data: inside the TSV's self-describing JSON, or under the
        -- SDK's flattened key (vendor dots and camelCase turned into snake_case, major version)
        coalesce(
            json_extract(r.unstruct_event, '$.data.data'),
            json_extract(
                sdk_record,
                '$."unstruct_event_' || replace(lower(r.event_vendor), '.', '_')
                || '_' || lower(regexp_replace(r.event_name, '([^A-Z_])([A-Z])', '\1_\2', 'g'))
                || '_' || split_part(r.event_version, '-', 1) || '"'
            )
        ) as unstruct_raw
    from valid_json
),

parsed as (
    select
        *,
        list_transform(
            -- Snowplow's zone-less timestamps are UTC: say so before the shared parser reads them
            list_transform(
                [collector_tstamp_text, derived_tstamp_text, dvce_created_tstamp_text,
                 dvce_sent_tstamp_text],
                lambda t: case
                    when regexp_full_match(trim(t), '[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9:.]+')
                        then trim(t) || 'Z'
                    else t
                end
            ),
            {{ parse_export_timestamp($snowplow_time_zone) }}
        ) as parsed_times
    from renamed
),

typed as (
    select
        * exclude (parsed_times, unstruct_raw),
        -- ids: the first-party cookie, prefixed so it can never equal another tool's cookie id
        'sp:' || domain_userid as anonymous_id,
        try_cast(domain_sessionidx_text as bigint) as domain_sessionidx,
        -- what a visitor typed into a form (`elements`, `value` of submit_form / change_form) can
        -- be an email or a name, so it stays in raw
        case when json_type(unstruct_raw) = 'OBJECT'
            then json_merge_patch(unstruct_raw, '{"elements": null, "value": null}')
        end as unstruct_data,
        -- timestamps: derived_tstamp is Snowplow's best estimate of when it happened
        parsed_times[1] as collector_tstamp,
        parsed_times[2] as derived_tstamp,
        parsed_times[3] as dvce_created_tstamp,
        parsed_times[4] as dvce_sent_tstamp,
        coalesce(parsed_times[2], parsed_times[1]) as occurred_at,
        -- event: structured events are named by their action, unstruct events by their schema
        case event_type
            when 'struct' then se_action
            when 'unstruct' then unstruct_name
            else event_type
        end as event_name,
        -- measures
        try_cast(tr_total_text as double) as tr_total,
        try_cast(se_value_text as double) as se_value,
        -- where the page's visitor came from: the host the enrichment parsed, else the referrer URL
        coalesce('https://' || nullif(trim(refr_urlhost), ''), page_referrer) as referrer_url,
        regexp_replace(
            coalesce(page_urlpath, regexp_replace(page_url, '^[a-z]+://[^/]+', '')), '[?#].*$', ''
        ) as page_path,
        list_filter(
            [
                {'label': 'collector_tstamp', 'txt': collector_tstamp_text, 'ts': parsed_times[1]},
                {'label': 'derived_tstamp', 'txt': derived_tstamp_text, 'ts': parsed_times[2]},
                {'label': 'dvce_created_tstamp', 'txt': dvce_created_tstamp_text, 'ts': parsed_times[3]}
            ],
            lambda d: {{ unusable_timestamp(d) }}
        )[1] as bad_time
    from parsed
),

checked as (
    select
        * exclude (bad_time, _row_hash, is_json),
        coalesce(md5('snowplow|' || event_id), _row_hash) as _row_hash,
        case
            when not is_json then 'line is not valid JSON'
            when event_id is null or trim(event_id) = '' then 'missing event_id'
            when collector_tstamp_text is null or trim(collector_tstamp_text) = ''
                then 'missing collector_tstamp'
            {{ unusable_timestamp_reason(bad_time, timestamp) }}
            when event_type is null or trim(event_type) = '' then 'missing event'
            when event_name is null or trim(event_name) = ''
                then 'missing event name: ' || event_type || ' event without '
                    || case event_type when 'struct' then 'se_action' else 'event_name' end
            when domain_userid is null and user_id is null
                then 'no identifier: domain_userid and user_id are empty'
            when tr_total_text is not null and tr_total is null
                then 'tr_total is not a number: ' || left(tr_total_text, 40)
            -- NaN and infinity too (NaN compares above every number, here and on Spark)
            when abs(tr_total) > 1e15
                then 'tr_total out of range (beyond ±10^15): ' || left(tr_total_text, 40)
            when abs(se_value) > 1e15
                then 'se_value out of range (beyond ±10^15): ' || left(se_value_text, 40)
            -- Snowplow's data model drops an event sent more than snowplow__days_late_allowed days
            -- after the device created it (dvce_sent_tstamp, else collector_tstamp, against
            -- dvce_created_tstamp); null setting: no limit (docs/metrics.md "Tracker sessions")
            when epoch(coalesce(dvce_sent_tstamp, collector_tstamp)) - epoch(dvce_created_tstamp)
                    > cast($snowplow_days_late_allowed as double) * 86400
                then 'arrived late: sent more than ' || cast($snowplow_days_late_allowed as varchar)
                    || ' days (snowplow_days_late_allowed) after dvce_created_tstamp '
                    || left(dvce_created_tstamp_text, 40)
        end as _reject_reason
    from typed
),

session_starts as (
    -- Snowplow's data model also drops the events of a session more than snowplow__max_session_days
    -- after its start (the first collector_tstamp of the domain_sessionid among the usable events):
    -- a bot or a kiosk tab that never ends its session. Null setting: nothing is read here. A
    -- session spans files, so with the setting on a change to any Snowplow file retypes them all
    -- (journeyflow.incremental)
    select domain_sessionid, min(epoch(collector_tstamp)) as started_epoch
    from checked
    where cast($snowplow_max_session_days as double) is not null
        and _reject_reason is null and nullif(trim(domain_sessionid), '') is not null
    group by domain_sessionid
),

session_checked as (
    select
        c.* exclude (_reject_reason),
        coalesce(c._reject_reason, case
            when epoch(c.collector_tstamp) - s.started_epoch
                > cast($snowplow_max_session_days as double) * 86400
                then 'session longer than ' || cast($snowplow_max_session_days as varchar)
                    || ' days (snowplow_max_session_days): collector_tstamp '
                    || left(c.collector_tstamp_text, 40) || ' in domain_sessionid ' || c.domain_sessionid
        end) as _reject_reason
    from checked as c
    left join session_starts as s on s.domain_sessionid = c.domain_sessionid
)

select * from session_checked
