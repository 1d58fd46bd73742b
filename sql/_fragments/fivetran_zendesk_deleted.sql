-- Why a row of a Fivetran Zendesk table dump ($arg = its JSON record) is a deletion, or NULL:
-- `_fivetran_deleted` true (deleted in Zendesk; the connector keeps the row as a soft delete).
-- Parquet keeps the name and gives a JSON boolean; a CSV dump's header is normalised like every
-- CSV header (the leading `_` dropped: `fivetran_deleted`) and says `true`/`TRUE`/`1`/`t`.
case
    when lower(trim(coalesce(
        json_extract_string($arg, '$._fivetran_deleted'), json_extract_string($arg, '$.fivetran_deleted')
    ))) in ('true', '1', 't')
        then '_fivetran_deleted is true (deleted in Zendesk; Fivetran keeps the row)'
end
