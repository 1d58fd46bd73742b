-- The typed Lead rows and their reject reasons, after the CTEs that read a raw table's records into
-- the reader's own column list (`renamed`: lead_id, email_text, converted_contact_id,
-- converted_opportunity_id, created_text, converted_text, is_converted_text, lead_source,
-- lead_status, deleted_reason, plus lineage). Shared by the Data Export's CSV
-- (sql/staging/salesforce_leads.sql) and Fivetran's `lead` table (fivetran_salesforce_leads.sql):
-- `with source as (...), renamed as (...), {{ salesforce_typed_leads(renamed, $tz) }}`, $arg2 the
-- zone of a CreatedDate without one ($salesforce_time_zone for the export, 'UTC' for Fivetran);
-- ConvertedDate is a date (midnight of $salesforce_time_zone) from either.
-- A converted lead and the contact it became are one person: the lead's crm_contact_id is its
-- ConvertedContactId once converted (`salesforce:003…`), else its own Id (`salesforce:00Q…`).
parsed as (
    select
        *,
        list_transform([created_text], {{ parse_export_timestamp($arg2) }})[1] as created_parsed,
        list_transform([converted_text], {{ parse_export_timestamp($salesforce_time_zone) }})[1]
            as converted_parsed,
        case
            when is_converted_text in ('true', '1', 'yes') then true
            when is_converted_text in ('false', '0', 'no', '') or is_converted_text is null then false
        end as is_converted,
        {{ hash_email(email_text) }} as email_hash
    from $arg1
),

typed as (
    select
        * exclude (email_text, created_parsed, converted_parsed, deleted_reason),
        'salesforce:' || case when is_converted then converted_contact_id else lead_id end
            as crm_contact_id,
        created_parsed as created_at,
        converted_parsed as converted_at,
        deleted_reason,
        list_filter(
            [
                {'label': 'CreatedDate', 'txt': created_text, 'ts': created_parsed},
                {'label': 'ConvertedDate', 'txt': converted_text, 'ts': converted_parsed}
            ],
            lambda d: {{ unusable_timestamp(d) }}
        )[1] as bad_time
    from parsed
)

select
    * exclude (bad_time, deleted_reason),
    deleted_reason is not null as _is_deleted,
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
        when deleted_reason is not null then deleted_reason
    end as _reject_reason
from typed
