-- model: kind=by_file key=_source_file
-- grain: one row per raw record of a custom source, typed by its YAML mapping, with its reject reason (NULL = usable)
-- The mappings are data (raw.custom_mappings, raw.custom_columns, raw.custom_event_names,
-- raw.custom_files, written by sources/custom.py): each mapped column becomes a JSON path per file
-- and is read with json_extract_string(record, path), so no SQL is built from a mapping's text.
-- A Parquet or CSV file that has every mapped column landed them beside the record (`_typed`, the
-- `landed_*` columns: the same text json_extract_string gives, a Parquet timestamp also as it is),
-- so its rows are read without parsing the record.
-- Timestamps as in every source ({{ parse_export_timestamp }}: ISO, German DD.MM.YYYY, epochs), or
-- the mapping's `us` / `day_first` format; zone-less times are local time of the mapping's
-- time_zone, else of $custom_time_zone. value: like the HubSpot Amount (decimal comma in `;` files).
with source as (
    -- a typed row's record is not read (only a reject's is shown, by quality.rejected_rows)
    select * exclude (record), cast(null as varchar) as record
    from raw.custom_events
    where _typed = true
    union all
    select * exclude (record), record
    from raw.custom_events
    where _typed = false
),

files as (
    select * from raw.custom_files
),

mappings as (
    select * from raw.custom_mappings
),

file_columns as (
    -- every mapped column of every file, with the JSON path of its key in the landed record
    -- (CSV keys are the normalised headers, NDJSON and Parquet keys as written)
    select
        f.source_file,
        c.role,
        c.column_name,
        c.json_key,
        '$."' || replace(replace(c.json_key, '\', '\\'), '"', '\"') || '"' as json_path
    from files as f
    join raw.custom_columns as c
        on c.custom_source = f.custom_source and c.key_style = f.key_style
),

checked as (
    -- only JSON objects can be read by key; a broken NDJSON line is rejected below (a typed row
    -- is a Parquet or CSV row: an object)
    select
        *,
        case
            when _typed then true
            when json_valid(record) then json_type(record) = 'OBJECT'
            else false
        end as is_object
    from source
),

records as (
    -- object_record: the record where it is a JSON object and not typed, so every json_* call on
    -- it is safe (and none is made for a typed row); attribute_record: the object the attributes
    -- are read from (a typed row's landed attributes hold them under the same keys)
    select
        *,
        case when is_object and not coalesce(_typed, false) then record end as object_record,
        case when _typed then landed_attributes when is_object then record end as attribute_record
    from checked
),

repeated_keys as (
    -- a 64-bit hash of (file, record hash) that occurs more than once: grouping by this narrow
    -- key finds the few candidates without grouping a million pairs of strings
    select hash(_source_file, _row_hash) as file_record_key
    from raw.custom_events
    group by hash(_source_file, _row_hash)
    having count(*) > 1
),

repeated_in_file as (
    -- records that occur more than once in their file (the hash ignores a CSV's column order)
    select _source_file, _row_hash
    from raw.custom_events
    where hash(_source_file, _row_hash) in (select file_record_key from repeated_keys)
    group by _source_file, _row_hash
    having count(*) > 1
),

copies as (
    -- copy_in_file: 2 for a repeated record's second copy in its file, 3 for its third, ...
    -- (numbered over the few repeated records only, not over whole records)
    select
        s._source_file,
        s._row_number,
        row_number() over (partition by s._source_file, s._row_hash order by s._row_number) as copy_in_file
    from raw.custom_events as s
    join repeated_in_file as r on r._source_file = s._source_file and r._row_hash = s._row_hash
),

keys_in_file as (
    -- (a typed file has every mapped column: it landed them)
    select distinct _source_file as source_file, unnest(json_keys(object_record)) as json_key
    from records
    where object_record is not null
),

file_keys as (
    select source_file, left(array_to_string(list_sort(list(json_key)), ', '), 300) as columns_found
    from keys_in_file
    group by source_file
),

missing_columns as (
    -- a mapped column that no record of the file has: the mapping does not fit this file
    select
        c.source_file,
        'mapping names column(s) not in this file: '
            || array_to_string(list_sort(list(c.column_name || ' (' || c.role || ')')), ', ')
            || '; the file has: ' || coalesce(any_value(k.columns_found), 'no columns') as reason
    from file_columns as c
    left join keys_in_file as present
        on present.source_file = c.source_file and present.json_key = c.json_key
    left join file_keys as k on k.source_file = c.source_file
    where present.json_key is null
        and c.source_file in (select source_file from keys_in_file)
    group by c.source_file
),

file_paths as (
    -- one row per file: where each role's value sits, and the column names for reject reasons
    select
        source_file,
        max(json_path) filter (where role = 'timestamp') as timestamp_path,
        max(column_name) filter (where role = 'timestamp') as timestamp_column,
        max(json_path) filter (where role = 'event_name') as event_name_path,
        max(column_name) filter (where role = 'event_name') as event_name_column,
        max(json_path) filter (where role = 'event_id') as event_id_path,
        max(column_name) filter (where role = 'event_id') as event_id_column,
        max(json_path) filter (where role = 'email') as email_path,
        max(json_path) filter (where role = 'user_id') as user_id_path,
        max(json_path) filter (where role = 'anonymous_id') as anonymous_id_path,
        max(json_path) filter (where role = 'crm_contact_id') as crm_contact_id_path,
        max(json_path) filter (where role = 'support_user_id') as support_user_id_path,
        array_to_string(list_sort(list(column_name || ' (' || role || ')') filter (
            where role in ('email', 'user_id', 'anonymous_id', 'crm_contact_id', 'support_user_id')
        )), ', ') as person_key_columns,
        max(json_path) filter (where role = 'value') as value_path,
        max(column_name) filter (where role = 'value') as value_column,
        max(json_path) filter (where role = 'currency') as currency_path,
        max(json_path) filter (where role = 'origin') as origin_path,
        list_sort(list({'name': substr(role, 11), 'path': json_path}) filter (
            where role like 'attribute:%'
        )) as attribute_paths
    from file_columns
    group by source_file
),

mapped as (
    -- each mapped column's text as exported: landed beside a typed row, else read from the record
    select
        r.*,
        case when r._typed then r.landed_event_id
            else json_extract_string(r.object_record, p.event_id_path) end
            as event_id_raw,
        case when r._typed then r.landed_email
            else json_extract_string(r.object_record, p.email_path) end
            as email_raw,
        case when r._typed then r.landed_user_id
            else json_extract_string(r.object_record, p.user_id_path) end
            as user_id_raw,
        case when r._typed then r.landed_anonymous_id
            else json_extract_string(r.object_record, p.anonymous_id_path) end
            as anonymous_id_raw,
        case when r._typed then r.landed_crm_contact_id
            else json_extract_string(r.object_record, p.crm_contact_id_path) end
            as crm_contact_id_raw,
        case when r._typed then r.landed_support_user_id
            else json_extract_string(r.object_record, p.support_user_id_path) end
            as support_user_id_raw,
        case
            when r._typed then coalesce(
                r.landed_timestamp_text,
                cast(r.landed_timestamp_instant as varchar),
                cast(r.landed_timestamp_wall as varchar)
            )
            else json_extract_string(r.object_record, p.timestamp_path)
        end
            as timestamp_raw,
        case when r._typed then r.landed_event_name
            else json_extract_string(r.object_record, p.event_name_path) end
            as event_name_raw,
        case when r._typed then r.landed_value
            else json_extract_string(r.object_record, p.value_path) end
            as value_raw,
        case when r._typed then r.landed_currency
            else json_extract_string(r.object_record, p.currency_path) end
            as currency_raw,
        case when r._typed then r.landed_origin
            else json_extract_string(r.object_record, p.origin_path) end
            as origin_raw
    from records as r
    left join file_paths as p on p.source_file = r._source_file
),

renamed as (
    select
        -- lineage; _row_hash decides duplicates (the first in file, row order is kept) and
        -- includes the source (equal records of two sources are no duplicates):
        -- no event id: the record and its copy number in the file, so identical rows of one file
        --   are as many events, and a file delivered again (or an export repeating an earlier
        --   one's rows) adds none;
        -- keep: first: the event id, so a later record of an id is a duplicate;
        -- keep: latest: the record (an exact copy is a duplicate; the latest version of an id
        --   wins in sql/staging/events/custom_events.sql)
        r._load_id, r._source_file, r._row_number,
        md5(coalesce(f.custom_source, '') || '|' || case
            -- (a first copy keeps the record's own hash, as before copies were numbered)
            when p.event_id_path is null then r._row_hash || case
                when c.copy_in_file > 1 then '|' || cast(c.copy_in_file as varchar) else ''
            end
            when m.keep = 'first'
                then coalesce('id|' || nullif(trim(r.event_id_raw), ''), r._row_hash)
            else r._row_hash
        end) as _row_hash,
        r._delimiter,
        -- mapping
        f.custom_source, f.format, m.mapping_file, r.is_object, mc.reason as missing_columns_reason,
        p.timestamp_column, p.event_name_column, p.event_id_column, p.person_key_columns,
        p.value_column, m.timestamp_format, m.crm_system, m.support_system,
        coalesce(m.time_zone, $custom_time_zone) as time_zone,
        -- ids
        nullif(trim(r.event_id_raw), '') as event_id_text,
        r.email_raw as email_text,
        nullif(trim(r.user_id_raw), '') as user_id,
        nullif(trim(r.anonymous_id_raw), '') as anonymous_id,
        nullif(trim(r.crm_contact_id_raw), '') as crm_contact_text,
        nullif(trim(r.support_user_id_raw), '') as support_user_text,
        -- timestamps (text as exported; a typed Parquet timestamp also as it is)
        r.landed_timestamp_instant as timestamp_instant,
        r.landed_timestamp_wall as timestamp_wall,
        r.timestamp_raw as timestamp_text,
        -- attributes
        coalesce(m.event_name_value, nullif(trim(r.event_name_raw), '')) as event_name_text,
        trim(r.value_raw) as value_text,
        coalesce(m.currency_value, nullif(trim(r.currency_raw), '')) as currency,
        coalesce(m.origin_value, nullif(trim(r.origin_raw), '')) as origin,
        coalesce(
            -- json(): each value embedded as JSON on both engines (a VARIANT on Spark, not a text)
            to_json(map_from_entries(list_transform(
                p.attribute_paths,
                lambda a: {'k': a.name, 'v': json(json_extract(r.attribute_record, a.path))}
            ))),
            json_object()
        ) as properties
    from mapped as r
    left join files as f on f.source_file = r._source_file
    left join mappings as m on m.custom_source = f.custom_source
    left join file_paths as p on p.source_file = r._source_file
    left join missing_columns as mc on mc.source_file = r._source_file
    left join copies as c on c._source_file = r._source_file and c._row_number = r._row_number
),

parsed as (
    select
        n.* exclude (email_text),
        coalesce(en.to_value, n.event_name_text) as event_name,
        coalesce(
            -- a typed timestamp is what parsing its text gives (tests/test_custom_sources.py)
            n.timestamp_instant,
            timezone(n.time_zone, n.timestamp_wall),
            case n.timestamp_format
                when 'us' then timezone(n.time_zone, try_strptime(trim(n.timestamp_text), [
                    '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %I:%M %p',
                    '%m/%d/%Y'
                ]))
                when 'day_first' then timezone(n.time_zone, try_strptime(trim(n.timestamp_text), [
                    '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d/%m/%Y'
                ]))
            end,
            list_transform([n.timestamp_text], {{ parse_export_timestamp(time_zone) }})[1]
        ) as occurred_at,
        {{ hash_email(email_text) }} as email_hash,
        n.crm_system || ':' || n.crm_contact_text as crm_contact_id,
        n.support_system || ':' || n.support_user_text as support_user_id,
        {{ parse_export_amount(n.value_text, n._delimiter) }} as value
    from renamed as n
    left join raw.custom_event_names as en
        on en.custom_source = n.custom_source and en.from_value = n.event_name_text
)

select
    * exclude (
        is_object, _delimiter, missing_columns_reason, crm_contact_text, support_user_text,
        timestamp_instant, timestamp_wall
    ),
    -- the natural key: the mapped event id, else the record and its copy number in the file
    custom_source || '|' || coalesce(event_id_text, _row_hash) as event_key,
    case
        when custom_source is null then 'file belongs to no custom source mapping'
        when not is_object then 'line is not a JSON object (truncated or invalid JSON)'
        when missing_columns_reason is not null
            then mapping_file || ': ' || missing_columns_reason
        when timestamp_text is null or trim(timestamp_text) = ''
            then 'missing ' || timestamp_column || ' (timestamp)'
        when occurred_at is null
            then timestamp_column || ' (timestamp) is not a timestamp: ' || left(timestamp_text, 40)
        when occurred_at < timestamptz '2000-01-01 00:00:00+00'
            or occurred_at > $as_of + interval 1 day
            then timestamp_column || ' (timestamp) out of range (before 2000 or in the future): '
                || cast(occurred_at as varchar)
        when event_name is null then 'missing ' || event_name_column || ' (event_name)'
        when event_id_column is not null and event_id_text is null
            then 'missing ' || event_id_column || ' (event_id)'
        when coalesce(user_id, email_hash, crm_contact_id, support_user_id, anonymous_id) is null
            then 'no person key: ' || person_key_columns || ' all empty'
        when value_text <> '' and value is null
            then value_column || ' (value) is not a number: ' || left(value_text, 20)
        when abs(value) > 1e15
            then value_column || ' (value) out of range (beyond ±10^15): ' || left(value_text, 20)
    end as _reject_reason
from parsed
