-- An export's timestamp text → timestamptz: 10/13/16-digit epochs (s/ms/µs), ISO or
-- `YYYY-MM-DD HH:MM` with a zone (an offset also after a space, as Snowflake writes a TIMESTAMP_TZ:
-- `2026-06-03 09:15:00.000 +0000`), or without one (read in the source's time zone, the argument),
-- or German DD.MM.YYYY[ HH:MM[:SS]]. NULL when it is none of these. Used as {{ parse_export_timestamp($tz) }}
-- in a list_transform over a source's timestamp columns; sql_text() inlines it.
lambda t: case
    when regexp_full_match(trim(t), '[0-9]{10}') then to_timestamp(cast(trim(t) as bigint))
    when regexp_full_match(trim(t), '[0-9]{13}')
        then make_timestamptz(cast(trim(t) as bigint) * 1000)
    when regexp_full_match(trim(t), '[0-9]{16}') then make_timestamptz(cast(trim(t) as bigint))
    when regexp_matches(
        trim(t), '[0-9]:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\s*(Z|z|UTC|GMT|[+-][0-9]{2}(:?[0-9]{2})?)$'
    ) then try_cast(regexp_replace(trim(t), '\s+([+-][0-9]{2}(:?[0-9]{2})?)$', '\1') as timestamptz)
    -- a zone-less time only with a 4-digit year: DuckDB casts years up to 294247 (and BC ones), and
    -- read in a zone west of UTC the last of them overflow the timestamp range (an error, not NULL)
    else timezone($arg, coalesce(
        case when regexp_matches(trim(t), '^[0-9]{4}-') then try_cast(trim(t) as timestamp) end,
        try_strptime(trim(t), ['%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M', '%d.%m.%Y'])
    ))
end
