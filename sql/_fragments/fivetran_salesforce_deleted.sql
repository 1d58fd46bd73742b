-- Why a row of a Fivetran Salesforce table dump ($arg = its JSON record) is a deletion, or NULL:
-- `_fivetran_deleted` true (soft delete mode: deleted in the source, or inferred so on a re-sync),
-- or `is_deleted` true (Salesforce's recycle bin; Fivetran's Salesforce connector marks deletes
-- there). Parquet gives JSON booleans, a CSV dump `true`/`TRUE`/`1`/`t` under its header's
-- normalised name (`fivetran_deleted`: the leading `_` dropped).
case
    when lower(trim(coalesce(json_extract_string($arg, '$._fivetran_deleted'),
        json_extract_string($arg, '$.fivetran_deleted')))) in ('true', '1', 't')
        then '_fivetran_deleted is true (deleted in Salesforce; Fivetran keeps the row)'
    when lower(trim(json_extract_string($arg, '$.is_deleted'))) in ('true', '1', 't')
        then 'is_deleted is true (in Salesforce''s recycle bin)'
end
