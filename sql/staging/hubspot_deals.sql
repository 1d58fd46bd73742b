-- model: kind=by_file key=_source_file
-- grain: one row per raw HubSpot deal row, typed, with its reject reason (NULL = usable)
-- dates: as in hubspot_contacts.sql (ISO, German `DD.MM.YYYY HH:MM`, epochs; zone-less = $hubspot_time_zone)
-- Amount: `1200.50`, `1,200.50`; in a `;`-separated (German) export `1.200,50`; `1200,50` anywhere
with source as (
    select * from raw.hubspot_deals
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, _delimiter,
        -- ids
        json_extract_string(record, '$.record_id') as record_id,
        nullif(trim(split_part(json_extract_string(record, '$.associated_contact_ids'), ';', 1)), '')
            as associated_contact_id,
        -- measures
        trim(json_extract_string(record, '$.amount')) as amount_text,
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

parsed as (
    select
        *,
        {{ parse_export_amount(amount_text, _delimiter) }} as amount
    from renamed
),

typed as (
    {{ hubspot_deal_typed(
        parsed, $hubspot_time_zone, 'Create Date', 'Appointment Scheduled date', 'Qualified To Buy date',
        'Presentation Scheduled date', 'Decision Maker Bought-In date', 'Contract Sent date',
        'Closed Won date', 'Closed Lost date'
    ) }}
)

select
    * exclude (bad_date, _delimiter),
    case
        when record_id is null or trim(record_id) = '' then 'missing Record ID'
        when create_date_text is null or trim(create_date_text) = '' then 'missing Create Date'
        when bad_date.label = 'Create Date' and bad_date.ts is null
            then 'Create Date is not a date: ' || left(bad_date.txt, 40)
        when amount_text <> '' and amount is null
            then 'Amount is not a number: ' || left(amount_text, 40)
        when abs(amount) > 1e15 then 'Amount out of range (beyond ±10^15): ' || left(amount_text, 40)
        when associated_contact_id is null then 'missing Associated Contact IDs'
        {{ unusable_timestamp_reason(bad_date, date) }}
    end as _reject_reason
from typed
