-- model: kind=by_file key=_source_file
-- grain: one row per raw row of a LinkedIn Campaign Manager campaign performance report (day × campaign), typed, with its reject reason (NULL = usable)
-- Campaign Manager → Analyze → Export → Campaign performance, time breakdown Daily: report
-- lines above the header (`Campaign Performance Report (in UTC)`, `Report Start: …`, skipped when
-- landing: Source.header_has), then `Start Date (in UTC)` (the day), `Campaign Name`, `Campaign
-- ID`, `Currency`, `Total Spent`, `Impressions`, `Clicks`, …. Days are UTC days (the report says
-- so in its header). Dates `6/1/2026` (M/D/YYYY) or ISO; numbers `1,234.56` or `1234.56`.
with source as (
    select * from raw.linkedin_ads_campaigns
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, _delimiter,
        -- ids
        nullif(trim(json_extract_string(record, '$.campaign_name')), '') as campaign,
        nullif(trim(json_extract_string(record, '$.campaign_id')), '') as campaign_id,
        -- timestamps (text as exported)
        nullif(trim(coalesce(json_extract_string(record, '$.start_date_in_utc'),
                             json_extract_string(record, '$.start_date'))), '') as day_text,
        -- measures (text as exported)
        nullif(trim(json_extract_string(record, '$.total_spent')), '') as cost_text,
        nullif(trim(json_extract_string(record, '$.impressions')), '') as impressions_text,
        nullif(trim(json_extract_string(record, '$.clicks')), '') as clicks_text,
        -- attributes
        upper(nullif(trim(json_extract_string(record, '$.currency')), '')) as currency
    from source
),

parsed as (
    select
        *,
        coalesce(try_cast(day_text as date),
                 cast(try_strptime(day_text, ['%m/%d/%Y', '%m/%d/%Y %H:%M', '%d.%m.%Y']) as date)) as day,
        {{ parse_export_amount(cost_text, _delimiter) }} as cost,
        case
            when regexp_full_match(impressions_text, '[0-9]{1,3}(,[0-9]{3})*|[0-9]+')
                then try_cast(replace(impressions_text, ',', '') as bigint)
        end as impressions,
        case
            when regexp_full_match(clicks_text, '[0-9]{1,3}(,[0-9]{3})*|[0-9]+')
                then try_cast(replace(clicks_text, ',', '') as bigint)
        end as clicks
    from renamed
)

select
    * exclude (_delimiter),
    'linkedin_ads' as platform,
    'social' as channel,
    case
        when campaign is null then 'missing Campaign Name'
        when day_text is null then 'missing Start Date (in UTC) (export with the Daily time breakdown)'
        when day is null then 'Start Date (in UTC) is not a date: ' || left(day_text, 40)
        when day < date '2000-01-01' or day > cast($as_of as date) + 1
            then 'Start Date (in UTC) out of range (before 2000 or in the future): ' || cast(day as varchar)
        when currency is null then 'missing Currency'
        when not regexp_full_match(currency, '[A-Z]{3}')
            then 'Currency is not an ISO 4217 code (three letters): ' || left(currency, 40)
        {{ ad_report_amount_checks('Total Spent', 'Impressions', 'Clicks') }}
    end as _reject_reason
from parsed
