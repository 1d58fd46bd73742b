-- Why an Airbyte destination nulled a field of the row ($arg1 = the JSON record, $arg2 = the field's
-- name as a literal): the `reason` of the `_airbyte_meta.changes` entry for it
-- (DESTINATION_TYPECAST_ERROR: the value did not fit the stream's type), else NULL. A staging model
-- adds it to the reason of a missing required field, so the analyst sees it was not empty at the source.
-- A CSV dump's header `_airbyte_meta` lands as `airbyte_meta` (normalised headers lose the underscore).
list_filter(
    coalesce(
        from_json(
            json_extract(
                coalesce({{ airbyte_json($arg1, '$._airbyte_meta') }}, {{ airbyte_json($arg1, '$.airbyte_meta') }}),
                '$.changes'
            ),
            '[{"field": "VARCHAR", "change": "VARCHAR", "reason": "VARCHAR"}]'
        ),
        []
    ),
    lambda c: c.field = $arg2
)[1].reason
