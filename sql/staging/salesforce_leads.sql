-- model: kind=by_file key=_source_file
-- grain: one row per raw Salesforce Lead row (Data Loader / Data Export CSV, API field names as headers),
-- typed, email hashed, with its reject reason (NULL = usable)
-- A converted lead and the contact it became are one person: the lead's crm_contact_id is its
-- ConvertedContactId once converted (`salesforce:003…`), else its own Id (`salesforce:00Q…`).
-- Timestamps: `2026-06-03T09:15:00.000+0000` / `...Z` as Salesforce writes them, or any form
-- parse_export_timestamp accepts; ConvertedDate is a date (midnight of $salesforce_time_zone).
with source as (
    select * from raw.salesforce_leads
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        trim(json_extract_string(record, '$.id')) as lead_id,
        json_extract_string(record, '$.email') as email_text,
        nullif(trim(json_extract_string(record, '$.convertedcontactid')), '') as converted_contact_id,
        nullif(trim(json_extract_string(record, '$.convertedopportunityid')), '')
            as converted_opportunity_id,
        -- timestamps (text as exported)
        json_extract_string(record, '$.createddate') as created_text,
        json_extract_string(record, '$.converteddate') as converted_text,
        -- attributes
        lower(trim(json_extract_string(record, '$.isconverted'))) as is_converted_text,
        nullif(trim(json_extract_string(record, '$.leadsource')), '') as lead_source,
        nullif(trim(json_extract_string(record, '$.status')), '') as lead_status,
        -- Data Loader's "Export All" includes the recycle bin
        coalesce(lower(trim(json_extract_string(record, '$.isdeleted'))) in ('true', '1'), false)
            as is_deleted
    from source
),

parsed as (
    select
        *,
        list_transform(
            [created_text, converted_text],
            {{ parse_export_timestamp($salesforce_time_zone) }}
        ) as parsed_times,
        case
            when is_converted_text in ('true', '1', 'yes') then true
            when is_converted_text in ('false', '0', 'no', '') or is_converted_text is null then false
        end as is_converted,
        {{ hash_email(email_text) }} as email_hash
    from renamed
),

typed as (
    select
        * exclude (email_text, parsed_times),
        'salesforce:' || case when is_converted then converted_contact_id else lead_id end
            as crm_contact_id,
        parsed_times[1] as created_at,
        parsed_times[2] as converted_at,
        list_filter(
            [
                {'label': 'CreatedDate', 'txt': created_text, 'ts': parsed_times[1]},
                {'label': 'ConvertedDate', 'txt': converted_text, 'ts': parsed_times[2]}
            ],
            lambda d: {{ unusable_timestamp(d) }}
        )[1] as bad_time
    from parsed
)

select
    * exclude (bad_time, is_deleted),
    is_deleted as _is_deleted,
    case
        when lead_id is null or lead_id = '' then 'missing Id'
        when not regexp_full_match(lead_id, '[0-9A-Za-z]{15}([0-9A-Za-z]{3})?')
            then 'Id is not a Salesforce id (15 or 18 letters and digits): ' || left(lead_id, 40)
        when created_text is null or trim(created_text) = '' then 'missing CreatedDate'
        {{ unusable_timestamp_reason(bad_time, date) }}
        when is_converted is null
            then 'IsConverted is not true or false: ' || left(is_converted_text, 40)
        when is_converted and converted_contact_id is null
            then 'IsConverted is true but ConvertedContactId is empty'
        when is_converted and not regexp_full_match(converted_contact_id, '[0-9A-Za-z]{15}([0-9A-Za-z]{3})?')
            then 'ConvertedContactId is not a Salesforce id: ' || left(converted_contact_id, 40)
        when is_deleted then 'IsDeleted is true (deleted in Salesforce)'
    end as _reject_reason
from typed
