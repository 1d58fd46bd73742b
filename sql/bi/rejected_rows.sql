-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per input record (or unreadable file) that could not be used, with the reason
with rejected as (
    select * from quality.rejected_rows
)

select
    -- where
    raw_table,
    source_file,
    regexp_extract(source_file, '[^/\\]+$') as file_name,
    row_number,
    -- why
    reason,
    raw_text,
    -- lineage
    _load_id as load_id
from rejected
