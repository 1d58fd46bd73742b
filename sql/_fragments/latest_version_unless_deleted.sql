-- The current state of each record of a snapshot source that marks deletions ($arg1 = staged table
-- with `_is_deleted`, $arg2 = its key): like latest_usable_version, but a deletion row counts as a
-- version, so a record whose newest export says it was deleted (Zendesk status deleted, Salesforce
-- IsDeleted, HubSpot archived) is dropped instead of falling back to an earlier usable row; a
-- record restored after a deletion is back. Deletion rows keep their reject reason (quality reports).
select * exclude (version_rank)
from (
    select
        *,
        row_number() over (partition by $arg2 order by _source_file desc, _row_number desc)
            as version_rank
    from $arg1
    where (_reject_reason is null or _is_deleted) and not _is_duplicate
)
where version_rank = 1 and not _is_deleted
