-- grain: one row per input record (or unreadable file) that could not be used, with the reason
with record_rejects as (
    select raw_table, source_file, row_number, reason, _load_id
    from staging.record_outcomes
    where outcome = 'rejected'
),

raw_records as (
    -- {{ raw_records_of_rejects }}: raw_table, _source_file, _row_number, record of the rows
    -- record_rejects names, from every registered raw.<source>, UNION ALL (sql_text() inlines it)
    {{ raw_records_of_rejects }}
),

record_rejects_with_text as (
    select j.raw_table, j.source_file, j.row_number, j.reason, r.record as raw_text, j._load_id
    from record_rejects as j
    left join raw_records as r
        on r.raw_table = j.raw_table
        and r._source_file = j.source_file
        and r._row_number = j.row_number
),

all_rejects as (
    select raw_table, source_file, row_number, reason, raw_text, _load_id
    from raw.ingest_errors
    union all
    select raw_table, source_file, row_number, reason, raw_text, _load_id
    from record_rejects_with_text
)

select
    raw_table,
    source_file,
    row_number,
    reason,
    -- the raw text leaves the raw layer here, so contact details are masked: emails, phone
    -- numbers (international +49 …, national 030 …) and JSON fields holding names, phones or
    -- free text (also Salesforce's FirstName/LastName/Company, HubSpot's hs_call_body,
    -- hs_email_subject, …). Names in a CSV line that could not be parsed cannot be told apart
    -- and remain. Cut to 2000 characters after masking (an email cut in half is not masked).
    left(regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    raw_text, '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', '<email>', 'g'
                ),
                '("(phone[a-z_]*|mobile[a-z_]*|first_name|last_name|firstname|lastname|name|comment'
                || '|company|description|subject|hs_[a-z_]*(body|text|html|subject|title))"'
                || '\s*:\s*")[^"]*"',
                '\1<redacted>"', 'g'
            ),
            '\+[0-9][0-9 ()/.-]{5,}[0-9]', '<phone>', 'g'
        ),
        '(^|[^0-9A-Za-z.:-])0[0-9]{2,5}[ /-][0-9][0-9 /-]{3,}[0-9]', '\1<phone>', 'g'
    ), 2000) as raw_text,
    _load_id
from all_rejects
