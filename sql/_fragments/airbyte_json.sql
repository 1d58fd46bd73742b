-- A JSON column of an Airbyte destination's final table ($arg1 = the JSON record, $arg2 = its path):
-- a nested object or array as Parquet and a DuckDB file hold it, or the same JSON as text, as a
-- CSV unload writes it (Snowflake's VARIANT, Postgres' jsonb); NULL when absent or not JSON.
-- Used as {{ airbyte_json(record, '$.contacts') }} (associations) and for `_airbyte_meta`.
case
    when json_type($arg1, $arg2) = 'VARCHAR' then
        case when json_valid(json_extract_string($arg1, $arg2)) then json(json_extract_string($arg1, $arg2)) end
    else json_extract($arg1, $arg2)
end
