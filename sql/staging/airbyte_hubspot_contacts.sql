-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Airbyte's HubSpot `contacts` and `contacts_archived` streams (a
-- destination's typed final table), typed into the columns of staging.hubspot_contacts (the CRM
-- export's), emails hashed, with its reject reason (NULL = usable)
-- Airbyte's HubSpot source flattens each property into `properties_<internal name>`
-- (properties_createdate, properties_hs_lifecyclestage_lead_date, ...) beside the nested `properties`
-- object, which is not read. Datetimes are UTC (a time without a zone is UTC). hs_analytics_source's
-- internal value becomes the export's label, as for Fivetran's table. An archived contact
-- (`archived` true, as contacts_archived delivers it) makes no events.
with source as (
    select * from raw.airbyte_hubspot_contacts
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- version order (Append mode: sql/_fragments/airbyte_latest_version.sql)
        {{ airbyte_version_columns(record, '$.updatedAt', '$.updatedat') }},
        -- ids
        json_extract_string(record, '$.id') as record_id,
        json_extract_string(record, '$.properties_email') as email_text,
        nullif(trim(json_extract_string(record, '$.properties_web_user_id')), '') as user_id,
        -- timestamps (text as dumped)
        json_extract_string(record, '$.properties_createdate') as create_date_text,
        json_extract_string(record, '$.properties_hs_lifecyclestage_lead_date') as lead_date_text,
        json_extract_string(record, '$.properties_hs_lifecyclestage_marketingqualifiedlead_date') as mql_date_text,
        json_extract_string(record, '$.properties_hs_lifecyclestage_salesqualifiedlead_date') as sql_date_text,
        json_extract_string(record, '$.properties_hs_lifecyclestage_customer_date') as customer_date_text,
        json_extract_string(record, '$.properties_hs_email_last_open_date') as email_open_date_text,
        -- attributes
        json_extract_string(record, '$.properties_lifecyclestage') as lifecycle_stage,
        json_extract_string(record, '$.properties_hs_analytics_source') as analytics_source,
        {{ airbyte_change(record, 'properties_createdate') }} as create_date_change,
        {{ airbyte_archived(record) }} as _is_deleted
    from source
),

typed as (
    {{ hubspot_contact_typed(
        renamed, 'UTC', 'properties_createdate', 'properties_hs_lifecyclestage_lead_date',
        'properties_hs_lifecyclestage_marketingqualifiedlead_date',
        'properties_hs_lifecyclestage_salesqualifiedlead_date',
        'properties_hs_lifecyclestage_customer_date', 'properties_hs_email_last_open_date'
    ) }}
)

select
    * exclude (bad_date, analytics_source, create_date_change),
    -- HubSpot's labels of its Original Source values, as the CRM export writes them
    {{ hubspot_source_label(analytics_source) }} as original_source,
    case
        when record_id is null or trim(record_id) = '' then 'missing id'
        when create_date_text is null or trim(create_date_text) = ''
            then 'missing properties_createdate'
                || coalesce(' (nulled by Airbyte: ' || create_date_change || ')', '')
        {{ unusable_timestamp_reason(bad_date, timestamp) }}
        when _is_deleted then 'archived in HubSpot (archived is true)'
    end as _reject_reason
from typed
