-- The typed OpportunityContactRole rows and their reject reasons, after a `renamed` CTE with the
-- reader's column list (role_id, opportunity_id, contact_id, created_text, is_primary_text,
-- contact_role, deleted_reason, lineage). Shared by the Data Export's OpportunityContactRole.csv
-- and Fivetran's `opportunity_contact_role` table: `{{ salesforce_typed_contact_roles(renamed, $tz) }}`,
-- $arg2 the zone of a CreatedDate without one.
parsed as (
    select
        *,
        list_transform([created_text], {{ parse_export_timestamp($arg2) }})[1] as created_at,
        case
            when is_primary_text in ('true', '1', 'yes') then true
            when is_primary_text in ('false', '0', 'no', '') or is_primary_text is null then false
        end as is_primary
    from $arg1
)

select
    * exclude (deleted_reason),
    deleted_reason is not null as _is_deleted,
    case
        when role_id is null or role_id = '' then 'missing Id'
        when opportunity_id is null then 'missing OpportunityId'
        when contact_id is null then 'missing ContactId'
        when not regexp_full_match(contact_id, '[0-9A-Za-z]{15}([0-9A-Za-z]{3})?')
            then 'ContactId is not a Salesforce id: ' || left(contact_id, 40)
        when is_primary is null then 'IsPrimary is not true or false: ' || left(is_primary_text, 40)
        when trim(coalesce(created_text, '')) <> '' and created_at is null
            then 'CreatedDate is not a date: ' || left(created_text, 40)
        when created_at < timestamptz '2000-01-01 00:00:00+00' or created_at > $as_of + interval 1 day
            then 'CreatedDate out of range (before 2000 or in the future): ' || cast(created_at as varchar)
        when deleted_reason is not null then deleted_reason
    end as _reject_reason
from parsed
