-- model: kind=by_file key=_source_file
-- grain: one row per raw row of a Meta Ads Manager campaign export (day × campaign), typed, with its reject reason (NULL = usable)
-- Ads Manager → Reports → Export table data (CSV), campaign level, broken down by Day: `Campaign
-- name`, `Day`, `Amount spent (EUR)` (the account's currency is in the header), `Impressions`,
-- `Link clicks` (else `Clicks (all)`), `Reporting starts`, `Reporting ends`. A report without
-- the Day breakdown counts when it covers one day (`Reporting starts` = `Reporting ends`). The
-- German UI's headers (`Kampagnenname`, `Tag`, `Ausgegebener Betrag (EUR)`, `Impressionen`,
-- `Link-Klicks`, `Berichtsbeginn`, `Berichtsende`) are read as well. Numbers: `1234.56`,
-- `1,234.56`; German `1234,56`, `1.234,56`.
with source as (
    select * from raw.meta_ads_campaigns
),

keys as (
    select
        *,
        -- the spend column's name carries the currency: amount_spent_eur, ausgegebener_betrag_eur
        list_filter(
            json_keys(record),
            lambda k: regexp_full_match(k, '(amount_spent|ausgegebener_betrag|betrag_ausgegeben)(_[a-z]{3})?')
        )[1] as spend_key
    from source
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, _delimiter,
        -- ids
        nullif(trim(coalesce(json_extract_string(record, '$.campaign_name'),
                             json_extract_string(record, '$.kampagnenname'))), '') as campaign,
        nullif(trim(json_extract_string(record, '$.campaign_id')), '') as campaign_id,
        -- timestamps (text as exported)
        nullif(trim(coalesce(json_extract_string(record, '$.day'), json_extract_string(record, '$.tag'))), '')
            as day_text,
        nullif(trim(coalesce(json_extract_string(record, '$.reporting_starts'),
                             json_extract_string(record, '$.berichtsbeginn'))), '') as starts_text,
        nullif(trim(coalesce(json_extract_string(record, '$.reporting_ends'),
                             json_extract_string(record, '$.berichtsende'))), '') as ends_text,
        -- measures (text as exported)
        nullif(trim(json_extract_string(record, '$.' || spend_key)), '') as cost_text,
        nullif(trim(coalesce(json_extract_string(record, '$.impressions'),
                             json_extract_string(record, '$.impressionen'))), '') as impressions_text,
        nullif(trim(coalesce(json_extract_string(record, '$.link_clicks'),
                             json_extract_string(record, '$.link_klicks'),
                             json_extract_string(record, '$.clicks_all'))), '') as clicks_text,
        -- attributes
        upper(coalesce(nullif(trim(json_extract_string(record, '$.currency')), ''),
                       nullif(regexp_extract(spend_key, '_([a-z]{3})$', 1), ''))) as currency,
        spend_key
    from keys
),

parsed as (
    select
        *,
        list_transform(
            [day_text, starts_text, ends_text],
            lambda t: coalesce(try_cast(t as date), cast(try_strptime(t, ['%d.%m.%Y', '%m/%d/%Y']) as date))
        ) as days,
        case
            -- German thousands and decimal comma in a `,` file (quoted): 1.234,56
            when regexp_full_match(cost_text, '[0-9]{1,3}(\.[0-9]{3})+,[0-9]+')
                then try_cast(replace(replace(cost_text, '.', ''), ',', '.') as double)
            else {{ parse_export_amount(cost_text, _delimiter) }}
        end as cost,
        case
            when regexp_full_match(impressions_text, '[0-9]{1,3}([,. ][0-9]{3})*|[0-9]+')
                then try_cast(regexp_replace(impressions_text, '[,. ]', '', 'g') as bigint)
        end as impressions,
        case
            when regexp_full_match(clicks_text, '[0-9]{1,3}([,. ][0-9]{3})*|[0-9]+')
                then try_cast(regexp_replace(clicks_text, '[,. ]', '', 'g') as bigint)
        end as clicks
    from renamed
),

typed as (
    select
        * exclude (days, _delimiter),
        -- the Day breakdown, else a report of a single day
        coalesce(days[1], case when days[2] = days[3] then days[2] end) as day
    from parsed
)

select
    *,
    'meta_ads' as platform,
    'social' as channel,
    case
        when campaign is null then 'missing Campaign name'
        when day_text is null and (starts_text is null or ends_text is null)
            then 'missing Day (export the report broken down by Day)'
        when day_text is not null and day is null then 'Day is not a date: ' || left(day_text, 40)
        when day is null and starts_text <> ends_text
            then 'the row covers ' || left(starts_text, 20) || ' to ' || left(ends_text, 20)
                || ', not one day (export the report broken down by Day)'
        when day is null then 'Reporting starts is not a date: ' || left(starts_text, 40)
        when day < date '2000-01-01' or day > cast($as_of as date) + 1
            then 'Day out of range (before 2000 or in the future): ' || cast(day as varchar)
        when spend_key is null then 'missing Amount spent'
        when currency is null
            then 'no currency: neither a Currency column nor one in the Amount spent header'
        {{ ad_report_amount_checks('Amount spent', 'Impressions', 'Link clicks') }}
    end as _reject_reason
from typed
