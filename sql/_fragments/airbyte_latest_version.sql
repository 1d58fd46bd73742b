-- The newest row of each record of a staged Airbyte stream ($arg1 = staged table, $arg2 = its key,
-- $arg3 = the column that marks a deletion row, or `false`), deletion rows kept, so that the shared
-- events fragment's {{ latest_version }} then finds one row per record and drops a deleted one.
-- A stream synced in Airbyte's *Append* mode (not Append + Deduped) holds every version of a record,
-- in whatever files and order the dump has them: the newest is the one Airbyte extracted last
-- (`_extracted_at`), on a tie the one with the later updated-at cursor (`_cursor_at`), then the later
-- file and row, as for a snapshot export. Both from sql/_fragments/airbyte_version_columns.sql.
-- Usage: `with t as ({{ airbyte_latest_version(staging.airbyte_x, id, _is_deleted) }})
-- select * from ({{ x_events(t) }})`.
select * exclude (version_rank)
from (
    select
        *,
        row_number() over (
            partition by $arg2
            order by _extracted_at desc nulls last, _cursor_at desc nulls last,
                _source_file desc, _row_number desc
        ) as version_rank
    from $arg1
    where (_reject_reason is null or $arg3) and not _is_duplicate
)
where version_rank = 1
