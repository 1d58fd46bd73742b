-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Airbyte's HubSpot `deals` and `deals_archived` streams (a
-- destination's typed final table), typed into the columns of staging.hubspot_deals (the CRM
-- export's), with its reject reason (NULL = usable)
-- The export's `Date entered "<stage> (Sales Pipeline)"` columns are HubSpot's own deal properties
-- here, flattened by Airbyte: properties_hs_date_entered_<stage id> (the latest time the deal
-- entered the stage), read as the export's are (sql/_fragments/hubspot_deal_typed.sql). Its
-- Associated Contact IDs are the `contacts` list Airbyte adds to each deal (the lowest id, as for
-- Fivetran's deal_contact table). Stage and pipeline ids become the export's labels. Datetimes are
-- UTC. An archived deal (`archived` true, as deals_archived delivers it) makes no events.
with source as (
    select * from raw.airbyte_hubspot_deals
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- version order (Append mode: sql/_fragments/airbyte_latest_version.sql)
        {{ airbyte_version_columns(record, '$.updatedAt', '$.updatedat') }},
        -- ids
        nullif(trim(json_extract_string(record, '$.id')), '') as record_id,
        {{ airbyte_ids(record, '$.contacts') }}[1] as associated_contact_id,
        -- measures
        trim(json_extract_string(record, '$.properties_amount')) as amount_text,
        -- a warehouse writes `1200.5`: no `;`-separated German export's `1.200,50`
        '.' as _delimiter,
        -- timestamps (text as dumped)
        json_extract_string(record, '$.properties_createdate') as create_date_text,
        json_extract_string(record, '$.properties_hs_date_entered_appointmentscheduled') as appointment_scheduled_text,
        json_extract_string(record, '$.properties_hs_date_entered_qualifiedtobuy') as qualified_to_buy_text,
        json_extract_string(record, '$.properties_hs_date_entered_presentationscheduled') as presentation_scheduled_text,
        json_extract_string(record, '$.properties_hs_date_entered_decisionmakerboughtin') as decision_maker_bought_in_text,
        json_extract_string(record, '$.properties_hs_date_entered_contractsent') as contract_sent_text,
        json_extract_string(record, '$.properties_hs_date_entered_closedwon') as closed_won_text,
        json_extract_string(record, '$.properties_hs_date_entered_closedlost') as closed_lost_text,
        -- attributes
        lower(trim(json_extract_string(record, '$.properties_dealstage'))) as stage_id,
        trim(json_extract_string(record, '$.properties_pipeline')) as pipeline_id,
        {{ airbyte_change(record, 'properties_createdate') }} as create_date_change,
        {{ airbyte_archived(record) }} as _is_deleted
    from source
),

parsed as (
    select
        * exclude (stage_id, pipeline_id),
        {{ parse_export_amount(amount_text, _delimiter) }} as amount,
        -- the labels of HubSpot's default pipeline, as the export writes them
        {{ hubspot_stage_label(stage_id) }} as deal_stage,
        {{ hubspot_pipeline_label(pipeline_id) }} as pipeline
    from renamed
),

typed as (
    {{ hubspot_deal_typed(
        parsed, 'UTC', 'properties_createdate', 'properties_hs_date_entered_appointmentscheduled',
        'properties_hs_date_entered_qualifiedtobuy', 'properties_hs_date_entered_presentationscheduled',
        'properties_hs_date_entered_decisionmakerboughtin', 'properties_hs_date_entered_contractsent',
        'properties_hs_date_entered_closedwon', 'properties_hs_date_entered_closedlost'
    ) }}
)

select
    * exclude (bad_date, create_date_change, _delimiter),
    case
        when record_id is null then 'missing id'
        when create_date_text is null or trim(create_date_text) = ''
            then 'missing properties_createdate'
                || coalesce(' (nulled by Airbyte: ' || create_date_change || ')', '')
        {{ unusable_timestamp_reason(bad_date, timestamp) }}
        when amount_text <> '' and amount is null
            then 'properties_amount is not a number: ' || left(amount_text, 40)
        when abs(amount) > 1e15 then 'properties_amount out of range (beyond ±10^15): ' || left(amount_text, 40)
        when associated_contact_id is null then 'no associated contact (contacts is empty)'
        when _is_deleted then 'archived in HubSpot (archived is true)'
    end as _reject_reason
from typed
