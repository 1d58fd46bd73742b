-- The typed OpportunityHistory rows and their reject reasons, after a `renamed` CTE with the
-- reader's column list (history_id, opportunity_id, amount_text, created_text, close_text,
-- stage_name, deleted_reason, lineage with _delimiter). Shared by the Data Export's
-- OpportunityHistory.csv and Fivetran's `opportunity_history` table:
-- `{{ salesforce_typed_opportunity_history(renamed, staging.<opportunities>, $tz) }}`, $arg2 the
-- same reader's staged opportunities, $arg3 the zone of a CreatedDate without one.
-- A row is usable only when its opportunity is a usable row of the staged opportunities (the
-- Opportunity export or table), which give the person.
opportunities as (
    select distinct opportunity_id
    from $arg2
    where _reject_reason is null
),

parsed as (
    select
        r.*,
        o.opportunity_id is not null as opportunity_known,
        list_transform([created_text], {{ parse_export_timestamp($arg3) }})[1] as created_parsed,
        list_transform([close_text], {{ parse_export_timestamp($salesforce_time_zone) }})[1]
            as close_parsed,
        {{ parse_export_amount(amount_text, _delimiter) }} as amount
    from $arg1 as r
    left join opportunities as o on o.opportunity_id = r.opportunity_id
),

typed as (
    select
        * exclude (created_parsed, close_parsed, _delimiter),
        created_parsed as created_at,
        close_parsed as close_date,
        list_filter(
            [
                {'label': 'CreatedDate', 'txt': created_text, 'ts': created_parsed, 'future_ok': false},
                -- CloseDate is the expected close as it was then; it may lie ahead
                {'label': 'CloseDate', 'txt': close_text, 'ts': close_parsed, 'future_ok': true}
            ],
            lambda d: {{ unusable_timestamp_unless_ahead(d) }}
        )[1] as bad_time
    from parsed
)

select
    * exclude (bad_time, opportunity_known, deleted_reason),
    deleted_reason is not null as _is_deleted,
    case
        when history_id is null or history_id = '' then 'missing Id'
        when opportunity_id is null then 'missing OpportunityId'
        when stage_name is null then 'missing StageName'
        when created_text is null or trim(created_text) = '' then 'missing CreatedDate'
        {{ unusable_timestamp_reason(bad_time, date) }}
        when amount_text <> '' and amount is null
            then 'Amount is not a number: ' || left(amount_text, 40)
        when abs(amount) > 1e15 then 'Amount out of range (beyond ±10^15): ' || left(amount_text, 40)
        when deleted_reason is not null then deleted_reason
        when not opportunity_known
            then 'OpportunityId ' || left(opportunity_id, 40)
                || ' is not a usable row of the Opportunity export'
    end as _reject_reason
from typed
