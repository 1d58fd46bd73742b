-- The `when` branches of a _reject_reason case for the `bad_time` struct (see unusable_timestamp):
-- unparsable text is quoted, an out-of-range time is shown; $arg names what was expected
-- (`timestamp`, or `date` for Salesforce date columns).
when bad_time.ts is null and bad_time.label is not null
    then bad_time.label || ' is not a $arg: ' || left(bad_time.txt, 40)
when bad_time.label is not null
    then bad_time.label || ' out of range (before 2000 or in the future): '
        || cast(bad_time.ts as varchar)
