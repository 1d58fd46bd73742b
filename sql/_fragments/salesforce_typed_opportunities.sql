-- The typed Opportunity rows with the person each is for and their reject reasons, after a
-- `renamed` CTE with the reader's column list (opportunity_id, account_id, own_contact_id,
-- amount_text, currency_iso_code, created_text, close_text, stage_name, is_closed_text,
-- is_won_text, lead_source, deleted_reason, lineage with _delimiter). Shared by the Data Export's
-- Opportunity.csv and Fivetran's `opportunity` table:
-- `{{ salesforce_typed_opportunities(renamed, staging.<contact roles>, $tz) }}`, $arg2 the same
-- reader's staged contact roles, $arg3 the zone of a CreatedDate without one.
-- An opportunity belongs to an account; its person is the primary contact of its contact roles
-- (primary first, then the earliest role), else the Opportunity's own ContactId column when the
-- export has it. Amount: as in hubspot_deals.sql (`1200.50`; `1.200,50` in a `;`-separated German
-- export; sql/_fragments/parse_export_amount.sql). CloseDate is a date ($salesforce_time_zone).
roles as (
    -- the latest export of each contact role, usable ones only (a role deleted since is gone)
    {{ latest_version($arg2, role_id, _is_deleted) }}
),

primary_contacts as (
    select opportunity_id, contact_id
    from (
        select
            opportunity_id,
            contact_id,
            row_number() over (
                partition by opportunity_id
                order by is_primary desc, created_at nulls last, role_id
            ) as role_rank
        from roles
    )
    where role_rank = 1
),

parsed as (
    select
        r.*,
        p.contact_id as role_contact_id,
        list_transform([created_text], {{ parse_export_timestamp($arg3) }})[1] as created_parsed,
        list_transform([close_text], {{ parse_export_timestamp($salesforce_time_zone) }})[1]
            as close_parsed,
        case
            when is_closed_text in ('true', '1', 'yes') then true
            when is_closed_text in ('false', '0', 'no', '') or is_closed_text is null then false
        end as is_closed,
        case
            when is_won_text in ('true', '1', 'yes') then true
            when is_won_text in ('false', '0', 'no', '') or is_won_text is null then false
        end as is_won,
        {{ parse_export_amount(amount_text, _delimiter) }} as amount
    from $arg1 as r
    left join primary_contacts as p on p.opportunity_id = r.opportunity_id
),

typed as (
    select
        * exclude (created_parsed, close_parsed, _delimiter, role_contact_id, own_contact_id),
        coalesce(role_contact_id, own_contact_id) as contact_id,
        'salesforce:' || coalesce(role_contact_id, own_contact_id) as crm_contact_id,
        created_parsed as created_at,
        close_parsed as close_date,
        list_filter(
            [
                {'label': 'CreatedDate', 'txt': created_text, 'ts': created_parsed, 'future_ok': false},
                -- an open opportunity's CloseDate is the expected close, usually ahead
                {'label': 'CloseDate', 'txt': close_text, 'ts': close_parsed, 'future_ok': not is_closed}
            ],
            lambda d: {{ unusable_timestamp_unless_ahead(d) }}
        )[1] as bad_time
    from parsed
)

select
    * exclude (bad_time, deleted_reason),
    deleted_reason is not null as _is_deleted,
    case
        when opportunity_id is null or opportunity_id = '' then 'missing Id'
        when not regexp_full_match(opportunity_id, '[0-9A-Za-z]{15}([0-9A-Za-z]{3})?')
            then 'Id is not a Salesforce id (15 or 18 letters and digits): ' || left(opportunity_id, 40)
        when created_text is null or trim(created_text) = '' then 'missing CreatedDate'
        when stage_name is null then 'missing StageName'
        {{ unusable_timestamp_reason(bad_time, date) }}
        when amount_text <> '' and amount is null
            then 'Amount is not a number: ' || left(amount_text, 40)
        when abs(amount) > 1e15 then 'Amount out of range (beyond ±10^15): ' || left(amount_text, 40)
        when is_closed is null then 'IsClosed is not true or false: ' || left(is_closed_text, 40)
        when is_won is null then 'IsWon is not true or false: ' || left(is_won_text, 40)
        when is_won and not is_closed then 'IsWon is true but IsClosed is false'
        when deleted_reason is not null then deleted_reason
        when contact_id is null
            then 'no contact: no OpportunityContactRole names this opportunity (and no ContactId column)'
    end as _reject_reason
from typed
