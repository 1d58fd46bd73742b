-- model: kind=by_file key=_source_file
-- grain: one row per raw row of a LinkedIn Lead Gen Forms leads download (one row per lead), typed,
-- email hashed, with its reject reason (NULL = usable)
-- Campaign Manager → Account assets → Lead Gen Forms → Download leads (CSV). The column names are
-- NOT confirmed from LinkedIn's documentation (it documents the Lead Sync API, not the download):
-- the ones read are those commonly seen, with alternatives: `Email Address` (or `Email`,
-- `Work Email`), `Lead Submitted At` (or `Submitted At`, `Submitted On`, `Date`), `Campaign Name`,
-- `Campaign ID`, `Form Name`, `Form ID`, `Lead ID`, `Lead Type` (the API's leadType: SPONSORED,
-- EVENT, COMPANY, ORGANIZATION_PRODUCT). Names, phone numbers, company and job title are never
-- selected here: they stay in raw, only the email's hash leaves.
with source as (
    select * from raw.linkedin_leads
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        nullif(trim(json_extract_string(record, '$.lead_id')), '') as lead_id,
        nullif(trim(json_extract_string(record, '$.campaign_id')), '') as campaign_id,
        nullif(trim(json_extract_string(record, '$.form_id')), '') as form_id,
        coalesce(json_extract_string(record, '$.email_address'), json_extract_string(record, '$.email'),
                 json_extract_string(record, '$.work_email')) as email_text,
        -- timestamps (text as exported)
        coalesce(json_extract_string(record, '$.lead_submitted_at'),
                 json_extract_string(record, '$.submitted_at'),
                 json_extract_string(record, '$.submitted_on'),
                 json_extract_string(record, '$.date')) as submitted_text,
        -- attributes
        nullif(trim(json_extract_string(record, '$.campaign_name')), '') as campaign_name,
        nullif(trim(json_extract_string(record, '$.form_name')), '') as form_name,
        nullif(upper(trim(json_extract_string(record, '$.lead_type'))), '') as lead_type
    from source
),

parsed as (
    select
        *,
        list_transform([submitted_text], {{ parse_export_timestamp($linkedin_leads_time_zone) }})[1]
            as submitted_at,
        {{ hash_email(email_text) }} as email_hash
    from renamed
),

typed as (
    select
        *,
        -- a download without `Lead ID`: the form, the person and the time name the lead (the 'T'
        -- put in by replace: a letter in the format would be a pattern letter on Spark)
        coalesce(lead_id, coalesce(form_id, form_name, '') || '|' || left(email_hash, 16) || '|'
                 || replace(strftime(submitted_at at time zone 'UTC', '%Y-%m-%d %H:%M:%S'), ' ', 'T'))
            as lead_key,
        -- sponsored (from an ad) unless the lead type names an organic surface
        coalesce(lead_type, 'SPONSORED') = 'SPONSORED' as is_sponsored,
        {'label': 'Lead Submitted At', 'txt': submitted_text, 'ts': submitted_at} as submitted_check
    from parsed
)

select
    * exclude (submitted_check, email_text),
    case
        when email_hash is null
            then 'missing Email Address (a lead of no known person: nobody to attach it to)'
        when not regexp_full_match(trim(email_text), '[^@\s]+@[^@\s]+')
            then 'Email Address is not an email address'
        when submitted_text is null or trim(submitted_text) = ''
            then 'missing Lead Submitted At (or Submitted At, Date)'
        when {{ unusable_timestamp(submitted_check) }} and submitted_at is null
            then 'Lead Submitted At is not a timestamp: ' || left(submitted_text, 40)
        when {{ unusable_timestamp(submitted_check) }}
            then 'Lead Submitted At out of range (before 2000 or in the future): '
                || cast(submitted_at as varchar)
        when lead_type is not null
             and lead_type not in ('SPONSORED', 'EVENT', 'COMPANY', 'ORGANIZATION_PRODUCT')
            then 'Lead Type is not one LinkedIn names (SPONSORED, EVENT, COMPANY, ORGANIZATION_PRODUCT): '
                || left(lead_type, 40)
        when is_sponsored and campaign_name is null
            then 'missing Campaign Name (a sponsored lead comes from a campaign)'
    end as _reject_reason
from typed
