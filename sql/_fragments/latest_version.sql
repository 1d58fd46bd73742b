-- The current state of each record of a snapshot source ($arg1 = staged table, $arg2 = its key,
-- $arg3 = the column that marks a deletion row, or `false` for sources that mark none). CRM and
-- support exports are full snapshots, so a record's newest usable row (latest file, last row in it)
-- is its current state. A deletion row counts as a version, so a record whose newest export says it
-- was deleted (Zendesk status deleted, Salesforce IsDeleted, HubSpot archived) is dropped instead of
-- falling back to an earlier usable row; a record restored after a deletion is back. Deletion rows
-- keep their reject reason (quality reports).
-- Usage: `with x as ({{ latest_version(staging.t, id, _is_deleted) }})`.
select * exclude (version_rank)
from (
    select
        *,
        row_number() over (partition by $arg2 order by _source_file desc, _row_number desc)
            as version_rank
    from $arg1
    where (_reject_reason is null or $arg3) and not _is_duplicate
)
where version_rank = 1 and not $arg3
