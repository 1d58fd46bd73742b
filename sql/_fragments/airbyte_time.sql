-- A time Airbyte's row holds ($arg1 = the JSON record, $arg2 = its path) as timestamptz, read as
-- sql/_fragments/parse_export_timestamp.sql reads an export's (a typed timestamp, ISO, `+0000` after
-- a space as Snowflake unloads it; a time without a zone is UTC); NULL when absent or unreadable.
-- Used for the version order of an Append-mode stream: `_airbyte_extracted_at` and the stream's
-- cursor (sql/_fragments/airbyte_latest_version.sql).
list_transform([json_extract_string($arg1, $arg2)], {{ parse_export_timestamp('UTC') }})[1]
