-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per source, event_name and page_path that no taxonomy rule matched
with unmapped as (
    select * from marts.unmapped_events
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
from unmapped
