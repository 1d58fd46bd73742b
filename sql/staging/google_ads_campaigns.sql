-- model: kind=by_file key=_source_file
-- grain: one row per raw row of a Google Ads campaign report (day × campaign), typed, with its reject
-- reason (NULL = usable)
-- The report as the Google Ads UI downloads it (Reports, or Campaigns > Download > CSV): a title
-- line and a date-range line above the header (skipped when landing: Source.header_has), then
-- `Campaign`, `Day`, `Currency code`, `Impr.`, `Clicks`, `Cost` (and `Campaign ID`, `Campaign type`
-- when chosen). Numbers as the UI writes them: `"1,234"`, `"1,234.56"`, `--` for none; German
-- `1.234,56` in a `;` file, `1234,56` anywhere. The report's `Total: …` rows are rejected (a sum
-- of the other rows, not one campaign's day). Costs are in the account's currency, per row.
with source as (
    select * from raw.google_ads_campaigns
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, _delimiter,
        -- ids
        nullif(trim(json_extract_string(record, '$.campaign')), '') as campaign,
        nullif(nullif(trim(json_extract_string(record, '$.campaign_id')), ''), '--') as campaign_id,
        -- timestamps (text as exported)
        nullif(trim(json_extract_string(record, '$.day')), '') as day_text,
        -- measures (text as exported; `--` is none)
        nullif(trim(json_extract_string(record, '$.impr')), '') as impressions_text,
        nullif(trim(json_extract_string(record, '$.clicks')), '') as clicks_text,
        nullif(trim(json_extract_string(record, '$.cost')), '') as cost_text,
        -- attributes
        upper(nullif(trim(json_extract_string(record, '$.currency_code')), '')) as currency,
        nullif(trim(json_extract_string(record, '$.campaign_type')), '') as campaign_type
    from source
),

parsed as (
    select
        *,
        coalesce(
            try_cast(day_text as date),
            -- `Mon, Jun 1, 2026`: the weekday dropped first (Spark cannot parse one)
            cast(try_strptime(regexp_replace(day_text, '^[A-Za-z]{3}, ', ''),
                              ['%b %d, %Y', '%d.%m.%Y', '%m/%d/%Y']) as date)
        ) as day,
        case when cost_text = '--' then 0 else {{ parse_export_amount(cost_text, _delimiter) }} end as cost,
        -- whole numbers with `,` `.` or space grouping thousands
        case
            when impressions_text = '--' then 0
            when regexp_full_match(impressions_text, '[0-9]{1,3}([,. ][0-9]{3})*|[0-9]+')
                then try_cast(regexp_replace(impressions_text, '[,. ]', '', 'g') as bigint)
        end as impressions,
        case
            when clicks_text = '--' then 0
            when regexp_full_match(clicks_text, '[0-9]{1,3}([,. ][0-9]{3})*|[0-9]+')
                then try_cast(regexp_replace(clicks_text, '[,. ]', '', 'g') as bigint)
        end as clicks
    from renamed
)

select
    * exclude (_delimiter),
    'google_ads' as platform,
    -- the taxonomy channel the campaign's clicks arrive in (GA4 session_start rules)
    case
        when lower(campaign_type) in ('display', 'video', 'demand gen', 'discovery') then 'display'
        else 'search'
    end as channel,
    case
        when starts_with(coalesce(campaign, ''), 'Total:') or starts_with(coalesce(day_text, ''), 'Total:')
            then 'a total row of the report (' || left(coalesce(campaign, day_text), 40)
                || '), not one campaign''s day'
        when campaign is null then 'missing Campaign'
        when day_text is null then 'missing Day (download the report segmented by Day)'
        when day is null then 'Day is not a date: ' || left(day_text, 40)
        when day < date '2000-01-01' or day > cast($as_of as date) + 1
            then 'Day out of range (before 2000 or in the future): ' || cast(day as varchar)
        when currency is null then 'missing Currency code'
        when not regexp_full_match(currency, '[A-Z]{3}')
            then 'Currency code is not an ISO 4217 code (three letters): ' || left(currency, 40)
        {{ ad_report_amount_checks('Cost', 'Impr.', 'Clicks') }}
    end as _reject_reason
from parsed
