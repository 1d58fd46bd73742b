-- model: kind=full
-- grain: one row per source, event_name and page_path (null where the source has none) that no taxonomy rule matched
--
-- What to map next: the events classified as touchpoint 'unmapped' in core.touchpoints, by volume.
with unmapped as (
    select source, event_name, page_path, person_id, occurred_at
    from core.touchpoints
    where touchpoint = 'unmapped'
),

counted as (
    select
        source,
        event_name,
        page_path,
        count(*) as events,
        count(distinct person_id) as persons,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at
    from unmapped
    group by source, event_name, page_path
),

ranked as (
    select
        *,
        row_number() over (
            order by events desc, source, event_name, page_path nulls first
        ) as volume_rank,
        cast(events as double) / sum(events) over () as share_of_unmapped
    from counted
)

select
    -- rank and what was not matched
    volume_rank,
    source,
    event_name,
    page_path,
    -- measures
    events,
    persons,
    share_of_unmapped,
    -- timestamps
    first_seen_at,
    last_seen_at
from ranked
order by volume_rank
