-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per raw table and input file: rows read = loaded + rejected + duplicate; plus the
-- files and folders of the input that no source reads (outcome 'not read')
with summary as (
    select * from quality.load_summary
)

select
    -- where
    raw_table,
    source_file,
    regexp_extract(source_file, '[^/\\]+$') as file_name,
    -- measures
    rows_read,
    rows_loaded,
    rows_rejected,
    rows_duplicate,
    case when rows_read > 0 then rows_rejected / rows_read end as reject_rate,
    -- outcome
    outcome,
    note
from summary
