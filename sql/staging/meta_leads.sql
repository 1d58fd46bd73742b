-- model: kind=by_file key=_source_file
-- grain: one row per raw row of a Meta (Facebook/Instagram) Lead Ads leads download (one row per
-- lead), typed, email hashed, with its reject reason (NULL = usable)
-- Business Suite / Ads Manager → Instant Forms → Download (CSV), or the form's TSV download
-- (`leadgen_export_csv_url`, UTF-16 with a byte-order mark: landing reads it through a UTF-8 copy).
-- Columns as Meta writes them: id, created_time, ad_id, ad_name, adset_id, adset_name, campaign_id,
-- campaign_name, form_id, form_name, is_organic (1 = organic reach, no ad), platform (fb, ig),
-- then one column per form question keyed by its field name (email, full_name, phone_number, ...).
-- Ids may carry Meta's type prefix (`l:`, `ag:`, `as:`, `c:`, `f:`); they are kept as exported.
-- Names and phone numbers are never selected here: they stay in raw, only the email's hash leaves.
with source as (
    select * from raw.meta_leads
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        nullif(trim(json_extract_string(record, '$.id')), '') as lead_id,
        nullif(trim(json_extract_string(record, '$.ad_id')), '') as ad_id,
        nullif(trim(json_extract_string(record, '$.adset_id')), '') as adset_id,
        nullif(trim(json_extract_string(record, '$.campaign_id')), '') as campaign_id,
        nullif(trim(json_extract_string(record, '$.form_id')), '') as form_id,
        coalesce(json_extract_string(record, '$.email'), json_extract_string(record, '$.work_email'))
            as email_text,
        -- timestamps (text as exported: `2026-06-01T11:00:00+02:00` or `…+0200`)
        json_extract_string(record, '$.created_time') as created_text,
        -- attributes
        nullif(trim(json_extract_string(record, '$.ad_name')), '') as ad_name,
        nullif(trim(json_extract_string(record, '$.adset_name')), '') as adset_name,
        nullif(trim(json_extract_string(record, '$.campaign_name')), '') as campaign_name,
        nullif(trim(json_extract_string(record, '$.form_name')), '') as form_name,
        nullif(lower(trim(json_extract_string(record, '$.is_organic'))), '') as is_organic_text,
        nullif(lower(trim(json_extract_string(record, '$.platform'))), '') as platform
    from source
),

parsed as (
    select
        *,
        list_transform([created_text], {{ parse_export_timestamp($meta_leads_time_zone) }})[1]
            as created_at,
        {{ hash_email(email_text) }} as email_hash,
        case
            when is_organic_text in ('1', 'true') then true
            when is_organic_text in ('0', 'false') then false
        end as is_organic
    from renamed
),

typed as (
    select
        *,
        {'label': 'created_time', 'txt': created_text, 'ts': created_at} as created_check
    from parsed
)

select
    * exclude (created_check, email_text, is_organic_text),
    case
        when lead_id is null then 'missing id (the lead id)'
        when email_hash is null then 'missing email (a lead of no known person: nobody to attach it to)'
        when not regexp_full_match(trim(email_text), '[^@\s]+@[^@\s]+')
            then 'email is not an email address'
        when created_text is null or trim(created_text) = '' then 'missing created_time'
        when {{ unusable_timestamp(created_check) }} and created_at is null
            then 'created_time is not a timestamp: ' || left(created_text, 40)
        when {{ unusable_timestamp(created_check) }}
            then 'created_time out of range (before 2000 or in the future): ' || cast(created_at as varchar)
        when is_organic_text is not null and is_organic is null
            then 'is_organic is neither 1 nor 0: ' || left(is_organic_text, 40)
        when platform is not null and platform not in ('fb', 'ig', 'facebook', 'instagram', 'an', 'msg')
            then 'platform is not one Meta writes (fb, ig): ' || left(platform, 40)
        when is_organic is not true and campaign_name is null
            then 'missing campaign_name (a lead from an ad names its campaign; organic leads have is_organic 1)'
    end as _reject_reason
from typed
