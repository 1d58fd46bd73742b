-- As unusable_timestamp.sql, for a `{'label', 'txt', 'ts', 'future_ok'}` struct $arg whose time
-- may lie ahead when future_ok (an open opportunity's expected CloseDate). Used as
-- `list_filter([...], lambda d: {{ unusable_timestamp_unless_ahead(d) }})[1] as bad_time`.
trim(coalesce($arg.txt, '')) <> '' and (
    $arg.ts is null
    or $arg.ts < timestamptz '2000-01-01 00:00:00+00'
    or ($arg.ts > $as_of + interval 1 day and not $arg.future_ok)
)
