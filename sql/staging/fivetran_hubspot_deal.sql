-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Fivetran's HubSpot `deal` table, typed into the columns of
-- staging.hubspot_deals (the CRM export's), with its reject reason (NULL = usable)
-- The export's `Date entered "<stage> (Sales Pipeline)"` columns are the `deal_stage` table's rows
-- here (staging.fivetran_hubspot_deal_stage: the latest time the deal entered each stage of HubSpot's
-- default pipeline), its Associated Contact IDs the `deal_contact` table's
-- (staging.fivetran_hubspot_deal_contact: the lowest contact id, as the table has no order).
-- Stage and pipeline ids become the export's labels (closedwon: Closed Won, default: Sales Pipeline).
-- property_createdate is UTC. A soft-deleted deal (`_fivetran_deleted`, `is_deleted`) makes no events.
with source as (
    select * from raw.fivetran_hubspot_deal
),

contacts as (
    -- the current associations (a deleted one is gone), the lowest contact id first
    select deal_id, contact_id
    from (
        select
            deal_id,
            contact_id,
            row_number() over (
                partition by deal_id order by try_cast(contact_id as bigint) nulls last, contact_id
            ) as contact_rank
        from ({{ latest_version(staging.fivetran_hubspot_deal_contact, link_key, _is_deleted) }})
    )
    where contact_rank = 1
),

stage_dates as (
    -- when the deal last entered each stage of HubSpot's default Sales Pipeline
    select
        deal_id,
        max(case when stage_id = 'appointmentscheduled' then entered_at end) as appointment_scheduled_at,
        max(case when stage_id = 'qualifiedtobuy' then entered_at end) as qualified_to_buy_at,
        max(case when stage_id = 'presentationscheduled' then entered_at end) as presentation_scheduled_at,
        max(case when stage_id = 'decisionmakerboughtin' then entered_at end) as decision_maker_bought_in_at,
        max(case when stage_id = 'contractsent' then entered_at end) as contract_sent_at,
        max(case when stage_id = 'closedwon' then entered_at end) as closed_won_at,
        max(case when stage_id = 'closedlost' then entered_at end) as closed_lost_at
    from ({{ latest_version(staging.fivetran_hubspot_deal_stage, stage_key, _is_deleted) }})
    group by deal_id
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        nullif(trim(json_extract_string(record, '$.deal_id')), '') as record_id,
        -- measures
        trim(json_extract_string(record, '$.property_amount')) as amount_text,
        -- a warehouse writes `1200.5`: no `;`-separated German export's `1.200,50`
        '.' as decimal_point,
        -- timestamps (text as dumped)
        json_extract_string(record, '$.property_createdate') as create_date_text,
        -- attributes
        lower(trim(json_extract_string(record, '$.deal_pipeline_stage_id'))) as stage_id,
        trim(json_extract_string(record, '$.deal_pipeline_id')) as pipeline_id,
        {{ fivetran_deleted(record) }} as _is_deleted
    from source
),

typed as (
    select
        r.* exclude (stage_id, pipeline_id, decimal_point),
        c.contact_id as associated_contact_id,
        'hubspot:' || c.contact_id as crm_contact_id,
        {{ parse_export_amount(r.amount_text, r.decimal_point) }} as amount,
        list_transform([r.create_date_text], {{ parse_export_timestamp('UTC') }})[1] as created_at,
        s.appointment_scheduled_at, s.qualified_to_buy_at, s.presentation_scheduled_at,
        s.decision_maker_bought_in_at, s.contract_sent_at, s.closed_won_at, s.closed_lost_at,
        -- the labels of HubSpot's default pipeline, as the export writes them
        {{ hubspot_stage_label(r.stage_id) }} as deal_stage,
        {{ hubspot_pipeline_label(r.pipeline_id) }} as pipeline
    from renamed as r
    left join contacts as c on c.deal_id = r.record_id
    left join stage_dates as s on s.deal_id = r.record_id
)

select
    *,
    case
        when record_id is null then 'missing deal_id'
        when create_date_text is null or trim(create_date_text) = '' then 'missing property_createdate'
        when created_at is null then 'property_createdate is not a timestamp: ' || left(create_date_text, 40)
        when created_at < timestamptz '2000-01-01 00:00:00+00' or created_at > $as_of + interval 1 day
            then 'property_createdate out of range (before 2000 or in the future): ' || cast(created_at as varchar)
        when amount_text <> '' and amount is null
            then 'property_amount is not a number: ' || left(amount_text, 40)
        when abs(amount) > 1e15 then 'property_amount out of range (beyond ±10^15): ' || left(amount_text, 40)
        when associated_contact_id is null then 'no associated contact (no deal_contact row for the deal)'
        when _is_deleted then 'deleted in HubSpot (_fivetran_deleted or is_deleted)'
    end as _reject_reason
from typed
