-- True for a Fivetran row that is gone from HubSpot: `_fivetran_deleted` (deleted in the source, kept
-- by the connector as a soft delete) or HubSpot's own `is_deleted` (archived), as `true`/`t`/`1` in a
-- CSV dump (whose normalised header drops the leading `_`: `fivetran_deleted`) or a boolean in
-- Parquet ($arg = the JSON record). Used as {{ fivetran_deleted(record) }}.
coalesce(lower(trim(coalesce(json_extract_string($arg, '$._fivetran_deleted'),
    json_extract_string($arg, '$.fivetran_deleted')))) in ('true', 't', '1'), false)
    or coalesce(lower(trim(json_extract_string($arg, '$.is_deleted'))) in ('true', 't', '1'), false)
