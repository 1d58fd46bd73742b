-- The typed Contact rows and their reject reasons, after a `renamed` CTE with the reader's column
-- list (contact_id, account_id, email_text, created_text, lead_source, deleted_reason, lineage).
-- Shared by the Data Export's Contact.csv and Fivetran's `contact` table:
-- `{{ salesforce_typed_contacts(renamed, $tz) }}`, $arg2 the zone of a CreatedDate without one.
parsed as (
    select
        *,
        list_transform([created_text], {{ parse_export_timestamp($arg2) }})[1] as created_at,
        {{ hash_email(email_text) }} as email_hash
    from $arg1
)

select
    * exclude (email_text, deleted_reason),
    deleted_reason is not null as _is_deleted,
    'salesforce:' || contact_id as crm_contact_id,
    case
        when contact_id is null or contact_id = '' then 'missing Id'
        when not regexp_full_match(contact_id, '[0-9A-Za-z]{15}([0-9A-Za-z]{3})?')
            then 'Id is not a Salesforce id (15 or 18 letters and digits): ' || left(contact_id, 40)
        when created_text is null or trim(created_text) = '' then 'missing CreatedDate'
        when created_at is null then 'CreatedDate is not a date: ' || left(created_text, 40)
        when created_at < timestamptz '2000-01-01 00:00:00+00' or created_at > $as_of + interval 1 day
            then 'CreatedDate out of range (before 2000 or in the future): ' || cast(created_at as varchar)
        when deleted_reason is not null then deleted_reason
    end as _reject_reason
from parsed
