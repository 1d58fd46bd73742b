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

parsed as (
    select
        * exclude (analytics_source),
        list_transform(
            [create_date_text, lead_date_text, mql_date_text, sql_date_text, customer_date_text,
             email_open_date_text],
            {{ parse_export_timestamp('UTC') }}
        ) as parsed_dates,
        {{ hash_email(email_text) }} as email_hash,
        -- HubSpot's labels of its Original Source values, as the CRM export writes them
        case upper(trim(analytics_source))
            when 'ORGANIC_SEARCH' then 'Organic Search'
            when 'PAID_SEARCH' then 'Paid Search'
            when 'EMAIL_MARKETING' then 'Email Marketing'
            when 'SOCIAL_MEDIA' then 'Organic Social'
            when 'PAID_SOCIAL' then 'Paid Social'
            when 'REFERRALS' then 'Referrals'
            when 'OTHER_CAMPAIGNS' then 'Other Campaigns'
            when 'DIRECT_TRAFFIC' then 'Direct Traffic'
            when 'OFFLINE' then 'Offline Sources'
            else nullif(trim(analytics_source), '')
        end as original_source
    from renamed
),

typed as (
    select
        * exclude (email_text, parsed_dates),
        'hubspot:' || record_id as crm_contact_id,
        parsed_dates[1] as created_at,
        parsed_dates[2] as became_lead_at,
        parsed_dates[3] as became_mql_at,
        parsed_dates[4] as became_sql_at,
        parsed_dates[5] as became_customer_at,
        parsed_dates[6] as email_opened_at,
        -- the first date that is given but unusable (not a date, or outside 2000 .. tomorrow)
        list_filter(
            [
                {'label': 'property_createdate', 'txt': create_date_text, 'ts': parsed_dates[1]},
                {'label': 'property_hs_lifecyclestage_lead_date', 'txt': lead_date_text, 'ts': parsed_dates[2]},
                {'label': 'property_hs_lifecyclestage_marketingqualifiedlead_date', 'txt': mql_date_text, 'ts': parsed_dates[3]},
                {'label': 'property_hs_lifecyclestage_salesqualifiedlead_date', 'txt': sql_date_text, 'ts': parsed_dates[4]},
                {'label': 'property_hs_lifecyclestage_customer_date', 'txt': customer_date_text, 'ts': parsed_dates[5]},
                {'label': 'property_hs_email_last_open_date', 'txt': email_open_date_text, 'ts': parsed_dates[6]}
            ],
            lambda d: {{ unusable_timestamp(d) }}
        )[1] as bad_date
    from parsed
)

select
    * exclude (bad_date),
    case
        when record_id is null or trim(record_id) = '' then 'missing id'
        when create_date_text is null or trim(create_date_text) = '' then 'missing property_createdate'
        {{ unusable_timestamp_reason(bad_date, timestamp) }}
        when _is_deleted then 'deleted in HubSpot (_fivetran_deleted or is_deleted)'
    end as _reject_reason
from typed
