-- model: kind=full materialized=view
-- grain: one row per raw record of every source, with what became of it (loaded, rejected, duplicate)
-- {{ records_of_every_source }}: raw_table, _source_file, _row_number, _load_id, _reject_reason and
-- _is_duplicate of every staging.<source> table, UNION ALL (sql_text() inlines it)
with staged as (
    {{ records_of_every_source }}
)

select
    raw_table,
    _source_file as source_file,
    _row_number as row_number,
    _load_id,
    case
        when _reject_reason is not null then 'rejected'
        when _is_duplicate then 'duplicate'
        else 'loaded'
    end as outcome,
    _reject_reason as reason
from staged
