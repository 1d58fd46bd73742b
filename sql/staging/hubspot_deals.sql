-- grain: one row per raw HubSpot deal row, typed, with its reject reason (NULL = usable)
with source as (
    select * from raw.hubspot_deals
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        json_extract_string(record, '$.record_id') as record_id,
        nullif(trim(split_part(json_extract_string(record, '$.associated_contact_ids'), ';', 1)), '')
            as associated_contact_id,
        -- measures
        json_extract_string(record, '$.amount') as amount_text,
        -- timestamps (text as exported)
        json_extract_string(record, '$.create_date') as create_date_text,
        json_extract_string(record, '$.date_entered_appointment_scheduled_sales_pipeline') as appointment_scheduled_text,
        json_extract_string(record, '$.date_entered_qualified_to_buy_sales_pipeline') as qualified_to_buy_text,
        json_extract_string(record, '$.date_entered_presentation_scheduled_sales_pipeline') as presentation_scheduled_text,
        json_extract_string(record, '$.date_entered_decision_maker_bought_in_sales_pipeline') as decision_maker_bought_in_text,
        json_extract_string(record, '$.date_entered_contract_sent_sales_pipeline') as contract_sent_text,
        json_extract_string(record, '$.date_entered_closed_won_sales_pipeline') as closed_won_text,
        json_extract_string(record, '$.date_entered_closed_lost_sales_pipeline') as closed_lost_text,
        -- attributes
        json_extract_string(record, '$.deal_stage') as deal_stage,
        json_extract_string(record, '$.pipeline') as pipeline
    from source
),

typed as (
    select
        *,
        'hubspot:' || associated_contact_id as crm_contact_id,
        try_cast(amount_text as double) as amount,
        try_cast(create_date_text as timestamptz) as created_at,
        try_cast(appointment_scheduled_text as timestamptz) as appointment_scheduled_at,
        try_cast(qualified_to_buy_text as timestamptz) as qualified_to_buy_at,
        try_cast(presentation_scheduled_text as timestamptz) as presentation_scheduled_at,
        try_cast(decision_maker_bought_in_text as timestamptz) as decision_maker_bought_in_at,
        try_cast(contract_sent_text as timestamptz) as contract_sent_at,
        try_cast(closed_won_text as timestamptz) as closed_won_at,
        try_cast(closed_lost_text as timestamptz) as closed_lost_at
    from renamed
)

select
    *,
    case
        when record_id is null or trim(record_id) = '' then 'missing Record ID'
        when create_date_text is null or trim(create_date_text) = '' then 'missing Create Date'
        when created_at is null then 'Create Date is not a date: ' || left(create_date_text, 40)
        when amount_text <> '' and amount is null
            then 'Amount is not a number: ' || left(amount_text, 40)
        when associated_contact_id is null then 'missing Associated Contact IDs'
        when closed_won_text <> '' and closed_won_at is null
            then 'Closed Won date is not a date: ' || left(closed_won_text, 40)
        when closed_lost_text <> '' and closed_lost_at is null
            then 'Closed Lost date is not a date: ' || left(closed_lost_text, 40)
    end as _reject_reason
from typed
