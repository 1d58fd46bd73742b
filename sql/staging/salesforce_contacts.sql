-- model: kind=by_file key=_source_file
-- grain: one row per raw Salesforce Contact row (API field names as headers), typed, email hashed,
-- with its reject reason (NULL = usable)
-- Timestamps: as in salesforce_leads.sql (`2026-06-03T09:15:00.000+0000`; zone-less = $salesforce_time_zone)
with source as (
    select * from raw.salesforce_contacts
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        trim(json_extract_string(record, '$.id')) as contact_id,
        nullif(trim(json_extract_string(record, '$.accountid')), '') as account_id,
        json_extract_string(record, '$.email') as email_text,
        -- timestamps (text as exported)
        json_extract_string(record, '$.createddate') as created_text,
        -- attributes
        nullif(trim(json_extract_string(record, '$.leadsource')), '') as lead_source,
        -- Data Loader's "Export All" includes the recycle bin
        coalesce(lower(trim(json_extract_string(record, '$.isdeleted'))) in ('true', '1'), false)
            as is_deleted
    from source
),

parsed as (
    select
        *,
        list_transform([created_text], {{ parse_export_timestamp($salesforce_time_zone) }})[1]
            as created_at,
        {{ hash_email(email_text) }} as email_hash
    from renamed
)

select
    * exclude (email_text, is_deleted),
    is_deleted as _is_deleted,
    'salesforce:' || contact_id as crm_contact_id,
    case
        when contact_id is null or contact_id = '' then 'missing Id'
        when not regexp_full_match(contact_id, '[0-9A-Za-z]{15}([0-9A-Za-z]{3})?')
            then 'Id is not a Salesforce id (15 or 18 letters and digits): ' || left(contact_id, 40)
        when created_text is null or trim(created_text) = '' then 'missing CreatedDate'
        when created_at is null then 'CreatedDate is not a date: ' || left(created_text, 40)
        when created_at < timestamptz '2000-01-01 00:00:00+00' or created_at > $as_of + interval 1 day
            then 'CreatedDate out of range (before 2000 or in the future): ' || cast(created_at as varchar)
        when is_deleted then 'IsDeleted is true (deleted in Salesforce)'
    end as _reject_reason
from parsed
