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
    select
        md5(source_table || '|' || natural_key) as event_id,
        *,
        -- the latest export of a record wins (CRM exports are snapshots)
        row_number() over (
            partition by source_table, natural_key
            order by _source_file desc, _row_number desc
        ) as version_rank
    from all_events
)

select
    -- ids
    event_id, source, source_table, source_record_id,
    -- lineage
    _source_file as source_file, _row_number as source_row, _load_id,
    -- timestamps
    occurred_at,
    -- identity keys
    anonymous_id, user_id, email_hash, crm_contact_id, support_user_id,
    -- attributes
    event_name, page_path, utm_source, utm_medium, utm_campaign, origin,
    -- measures
    value, currency,
    properties,
    -- bookkeeping: 1 = the latest version (last file, last row), the one in staging.events; the
    -- sql/staging/events/ file that made the row
    version_rank,
    events_sql
from identified
