-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Fivetran's HubSpot `deal_stage` table (a deal entering a stage),
-- typed, with its reject reason (NULL = usable)
-- `value` is the stage's internal id (appointmentscheduled, closedwon, ...), `date_entered` when the
-- deal entered it, in UTC (a time without a zone is UTC). stage_key (deal_id|value|_fivetran_start)
-- names the row across dumps.
with source as (
    select * from raw.fivetran_hubspot_deal_stage
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        nullif(trim(json_extract_string(record, '$.deal_id')), '') as deal_id,
        lower(nullif(trim(json_extract_string(record, '$.value')), '')) as stage_id,
        -- timestamps (text as dumped)
        json_extract_string(record, '$.date_entered') as date_entered_text,
        coalesce(
            json_extract_string(record, '$._fivetran_start'), json_extract_string(record, '$.fivetran_start')
        ) as fivetran_start_text,
        {{ fivetran_deleted(record) }} as _is_deleted
    from source
),

typed as (
    select
        *,
        deal_id || '|' || stage_id || '|' || coalesce(fivetran_start_text, date_entered_text) as stage_key,
        list_transform([date_entered_text], {{ parse_export_timestamp('UTC') }})[1] as entered_at
    from renamed
)

select
    *,
    case
        when deal_id is null then 'missing deal_id'
        when stage_id is null then 'missing value (the stage)'
        when date_entered_text is null or trim(date_entered_text) = '' then 'missing date_entered'
        when entered_at is null then 'date_entered is not a timestamp: ' || left(date_entered_text, 40)
        when entered_at < timestamptz '2000-01-01 00:00:00+00' or entered_at > $as_of + interval 1 day
            then 'date_entered out of range (before 2000 or in the future): ' || cast(entered_at as varchar)
        when _is_deleted then 'deleted in HubSpot (_fivetran_deleted)'
    end as _reject_reason
from typed
