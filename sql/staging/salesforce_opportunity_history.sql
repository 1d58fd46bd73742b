-- model: kind=by_file key=_source_file
-- grain: one row per raw Salesforce OpportunityHistory row (written on every change of stage, amount,
-- probability or close date), typed, with its reject reason (NULL = usable)
-- A row is usable only when its opportunity is a usable row of the Opportunity export, which gives
-- the person (staging.salesforce_opportunities); the stage changes among the rows become events in
-- sql/staging/events/salesforce_opportunities.sql.
with source as (
    select * from raw.salesforce_opportunity_history
),

opportunities as (
    select distinct opportunity_id
    from staging.salesforce_opportunities
    where _reject_reason is null
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, _delimiter,
        -- ids
        trim(json_extract_string(record, '$.id')) as history_id,
        nullif(trim(json_extract_string(record, '$.opportunityid')), '') as opportunity_id,
        -- measures
        trim(json_extract_string(record, '$.amount')) as amount_text,
        -- timestamps (text as exported)
        json_extract_string(record, '$.createddate') as created_text,
        json_extract_string(record, '$.closedate') as close_text,
        -- attributes
        nullif(trim(json_extract_string(record, '$.stagename')), '') as stage_name,
        -- Data Loader's "Export All" includes the recycle bin
        coalesce(lower(trim(json_extract_string(record, '$.isdeleted'))) in ('true', '1'), false)
            as is_deleted
    from source
),

parsed as (
    select
        r.*,
        o.opportunity_id is not null as opportunity_known,
        list_transform(
            [created_text, close_text],
            {{ parse_export_timestamp($salesforce_time_zone) }}
        ) as parsed_times,
        {{ parse_export_amount(amount_text, _delimiter) }} as amount
    from renamed as r
    left join opportunities as o on o.opportunity_id = r.opportunity_id
),

typed as (
    select
        * exclude (parsed_times, _delimiter),
        parsed_times[1] as created_at,
        parsed_times[2] as close_date,
        list_filter(
            [
                {'label': 'CreatedDate', 'txt': created_text, 'ts': parsed_times[1], 'future_ok': false},
                -- CloseDate is the expected close as it was then; it may lie ahead
                {'label': 'CloseDate', 'txt': close_text, 'ts': parsed_times[2], 'future_ok': true}
            ],
            lambda d: trim(coalesce(d.txt, '')) <> '' and (
                d.ts is null
                or d.ts < timestamptz '2000-01-01 00:00:00+00'
                or (d.ts > $as_of + interval 1 day and not d.future_ok)
            )
        )[1] as bad_time
    from parsed
)

select
    * exclude (bad_time, opportunity_known, is_deleted),
    is_deleted as _is_deleted,
    case
        when history_id is null or history_id = '' then 'missing Id'
        when opportunity_id is null then 'missing OpportunityId'
        when stage_name is null then 'missing StageName'
        when created_text is null or trim(created_text) = '' then 'missing CreatedDate'
        {{ unusable_timestamp_reason(bad_time, date) }}
        when amount_text <> '' and amount is null
            then 'Amount is not a number: ' || left(amount_text, 40)
        when abs(amount) > 1e15 then 'Amount out of range (beyond ±10^15): ' || left(amount_text, 40)
        when is_deleted then 'IsDeleted is true (deleted in Salesforce)'
        when not opportunity_known
            then 'OpportunityId ' || left(opportunity_id, 40)
                || ' is not a usable row of the Opportunity export'
    end as _reject_reason
from typed
