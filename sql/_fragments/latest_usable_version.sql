-- The latest export of each record of a snapshot source ($arg1 = staged table, $arg2 = its key):
-- CRM and support exports are full snapshots, so a record's newest usable row (latest file, last
-- row in it) is its current state. Usage: `with x as ({{ latest_usable_version(staging.t, id) }})`.
select * exclude (version_rank)
from (
    select
        *,
        row_number() over (partition by $arg2 order by _source_file desc, _row_number desc)
            as version_rank
    from $arg1
    where _reject_reason is null and not _is_duplicate
)
where version_rank = 1
