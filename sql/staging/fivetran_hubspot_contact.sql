-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Fivetran's HubSpot `contact` table, typed into the columns of
-- staging.hubspot_contacts (the CRM export's), emails hashed, with its reject reason (NULL = usable)
-- Fivetran names a property `property_<internal name>` (property_createdate, property_email,
-- property_hs_lifecyclestage_lead_date, ...) and writes datetimes in UTC: a time without a zone is
-- UTC here, not the export's hubspot time zone. The internal value of hs_analytics_source (ORGANIC_SEARCH) becomes
-- the export's label (Organic Search), so both readers make the same events
-- (sql/_fragments/hubspot_contact_events.sql). A soft-deleted row (`_fivetran_deleted`, `is_deleted`)
-- is a deletion row: the contact makes no events.
with source as (
    select * from raw.fivetran_hubspot_contact
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        json_extract_string(record, '$.id') as record_id,
        json_extract_string(record, '$.property_email') as email_text,
        nullif(trim(json_extract_string(record, '$.property_web_user_id')), '') as user_id,
        -- timestamps (text as dumped)
        json_extract_string(record, '$.property_createdate') as create_date_text,
        json_extract_string(record, '$.property_hs_lifecyclestage_lead_date') as lead_date_text,
        json_extract_string(record, '$.property_hs_lifecyclestage_marketingqualifiedlead_date') as mql_date_text,
        json_extract_string(record, '$.property_hs_lifecyclestage_salesqualifiedlead_date') as sql_date_text,
        json_extract_string(record, '$.property_hs_lifecyclestage_customer_date') as customer_date_text,
        json_extract_string(record, '$.property_hs_email_last_open_date') as email_open_date_text,
        -- attributes
        json_extract_string(record, '$.property_lifecyclestage') as lifecycle_stage,
        json_extract_string(record, '$.property_hs_analytics_source') as analytics_source,
        {{ fivetran_deleted(record) }} as _is_deleted
    from source
),

typed as (
    {{ hubspot_contact_typed(
        renamed, 'UTC', 'property_createdate', 'property_hs_lifecyclestage_lead_date',
        'property_hs_lifecyclestage_marketingqualifiedlead_date',
        'property_hs_lifecyclestage_salesqualifiedlead_date', 'property_hs_lifecyclestage_customer_date',
        'property_hs_email_last_open_date'
    ) }}
)

select
    * exclude (bad_date, analytics_source),
    -- HubSpot's labels of its Original Source values, as the CRM export writes them
    {{ hubspot_source_label(analytics_source) }} as original_source,
    case
        when record_id is null or trim(record_id) = '' then 'missing id'
        when create_date_text is null or trim(create_date_text) = '' then 'missing property_createdate'
        {{ unusable_timestamp_reason(bad_date, timestamp) }}
        when _is_deleted then 'deleted in HubSpot (_fivetran_deleted or is_deleted)'
    end as _reject_reason
from typed
