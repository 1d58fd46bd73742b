-- model: kind=by_file key=source_file built_by=staging.events
-- grain: one row per version of a canonical event (all sources): staging.events keeps the latest
-- (version_rank 1); the others are kept so that an incremental run can re-rank an event's versions
-- when a file changes without re-reading every source.
-- Each source's events come from sql/staging/events/<source>.sql; {{ events_of_every_source }} is
-- their UNION ALL over the canonical columns below (sql_text() inlines it, in registry order).
-- CRM, support and survey exports are snapshots: the record's latest version (last file, last
-- row) alone makes its events, so a deal lost on Monday and won on Friday is only won.
with all_events as (
    {{ events_of_every_source }}
),

identified as (
    select md5(source_table || '|' || natural_key) as event_id, *
    from all_events
),

ranked_versions as (
    -- the latest export of a record wins (CRM exports are snapshots): ranked only for the
    -- records seen more than once (a window over every event and all its columns cost more
    -- than the rest of this query); a record seen once is its own latest version
    select
        event_id, _source_file, _row_number,
        row_number() over (
            partition by event_id order by _source_file desc, _row_number desc
        ) as version_rank
    from identified
    where event_id in (select event_id from identified group by event_id having count(*) > 1)
)

select
    -- ids
    i.event_id, i.source, i.source_table, i.source_record_id,
    -- lineage
    i._source_file as source_file, i._row_number as source_row, i._load_id,
    -- timestamps
    i.occurred_at,
    -- identity keys
    i.anonymous_id, i.user_id, i.email_hash, i.crm_contact_id, i.support_user_id,
    -- attributes
    i.event_name, i.page_path, i.utm_source, i.utm_medium, i.utm_campaign, i.origin,
    i.referrer_medium, i.referrer_source,
    -- the web tracker's own session (GA4, Snowplow; NULL for other sources)
    i.tracker_session_id,
    -- measures
    i.value, i.currency,
    i.properties,
    -- bookkeeping: 1 = the latest version (last file, last row), the one in staging.events; the
    -- sql/staging/events/ file that made the row
    coalesce(v.version_rank, 1) as version_rank,
    i.events_sql
from identified as i
left join ranked_versions as v
    on v.event_id = i.event_id and v._source_file = i._source_file and v._row_number = i._row_number
