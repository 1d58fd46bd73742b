-- True for a `{'label', 'txt', 'ts'}` struct $arg whose text is given but did not parse, or parsed
-- to a time before 2000 or after tomorrow (a broken clock or a unit mix-up). Used as
-- `list_filter([...], lambda d: {{ unusable_timestamp(d) }})[1] as bad_time`.
trim(coalesce($arg.txt, '')) <> '' and (
    $arg.ts is null
    or $arg.ts < timestamptz '2000-01-01 00:00:00+00'
    or $arg.ts > $as_of + interval 1 day
)
