-- The `when` branches of a _reject_reason case for the first unusable timestamp, the struct $arg1
-- picked by `list_filter(..., lambda d: {{ unusable_timestamp(d) }})[1]`: unparsable text is
-- quoted, an out-of-range time is shown; $arg2 names what was expected (`timestamp` or `date`).
when $arg1.ts is null and $arg1.label is not null
    then $arg1.label || ' is not a $arg2: ' || left($arg1.txt, 40)
when $arg1.label is not null
    then $arg1.label || ' out of range (before 2000 or in the future): '
        || cast($arg1.ts as varchar)
