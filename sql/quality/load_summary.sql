-- model: kind=full
-- grain: one row per raw table and input file: rows read = loaded + rejected + duplicate; plus one
-- row per file or folder of the input that no source reads (outcome 'not read', raw_table null).
-- A file that was read but holds no record (a CSV with only its header) is a row of zeros: it is
-- known from raw.landed_files, so `journeyflow sources` shows it as read, not as "not loaded".
with record_counts as (
    select
        raw_table,
        source_file,
        count(*) as records,
        count(*) filter (where outcome = 'loaded') as rows_loaded,
        count(*) filter (where outcome = 'rejected') as rows_rejected_record,
        count(*) filter (where outcome = 'duplicate') as rows_duplicate
    from staging.record_outcomes
    group by raw_table, source_file
),

ingest_counts as (
    select raw_table, source_file, count(*) as rows_rejected_ingest
    from raw.ingest_errors
    group by raw_table, source_file
),

joined as (
    select
        coalesce(r.raw_table, i.raw_table) as raw_table,
        coalesce(r.source_file, i.source_file) as source_file,
        coalesce(r.records, 0) + coalesce(i.rows_rejected_ingest, 0) as rows_read,
        coalesce(r.rows_loaded, 0) as rows_loaded,
        coalesce(r.rows_rejected_record, 0) + coalesce(i.rows_rejected_ingest, 0) as rows_rejected,
        coalesce(r.rows_duplicate, 0) as rows_duplicate
    from record_counts as r
    full outer join ingest_counts as i
        on r.raw_table = i.raw_table and r.source_file = i.source_file
),

empty_files as (
    -- landed, but no record and no reject; custom sources' mappings (source.yaml) are no export
    select
        l.raw_table,
        l.source_file,
        cast(0 as bigint) as rows_read,
        cast(0 as bigint) as rows_loaded,
        cast(0 as bigint) as rows_rejected,
        cast(0 as bigint) as rows_duplicate
    from raw.landed_files as l
    left join joined as j
        on l.raw_table = j.raw_table and l.source_file = j.source_file
    where j.source_file is null
        and not (l.raw_table = 'raw.custom_events' and l.source_file like '%/source.yaml')
),

unread as (
    select
        cast(null as varchar) as raw_table,
        path as source_file,
        cast(0 as bigint) as rows_read,
        cast(0 as bigint) as rows_loaded,
        cast(0 as bigint) as rows_rejected,
        cast(0 as bigint) as rows_duplicate,
        'not read' as outcome,
        case
            when ignored_by is null then reason
            else 'ignored (ignore_inputs: ' || ignored_by || '): ' || reason
        end as note
    from quality.unread_inputs
)

select
    raw_table,
    source_file,
    rows_read,
    rows_loaded,
    rows_rejected,
    rows_duplicate,
    'read' as outcome,
    cast(null as varchar) as note
from (select * from joined union all select * from empty_files) as files
union all
select * from unread
order by raw_table nulls last, source_file
