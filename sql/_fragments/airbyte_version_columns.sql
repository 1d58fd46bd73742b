-- The version order of a row of an Airbyte stream ($arg1 = the JSON record, $arg2 and $arg3 = the
-- paths of the stream's updated-at cursor, as the destination and as a CSV's normalised header name
-- it): `_extracted_at`, when Airbyte read the record (`_airbyte_extracted_at`; a CSV dump's header
-- loses the leading underscore), and `_cursor_at`. Listed in the `renamed` CTE of each
-- sql/staging/airbyte_*.sql that sql/_fragments/airbyte_latest_version.sql reads.
coalesce(
    {{ airbyte_time($arg1, '$._airbyte_extracted_at') }}, {{ airbyte_time($arg1, '$.airbyte_extracted_at') }}
) as _extracted_at,
coalesce({{ airbyte_time($arg1, $arg2) }}, {{ airbyte_time($arg1, $arg3) }}) as _cursor_at
