-- A HubSpot call's hs_call_duration ($arg: trimmed text, milliseconds) in seconds; NULL when empty
-- or not a number (the caller rejects a non-empty text that gives NULL).
case
    when $arg is null or $arg = '' then null
    when regexp_full_match($arg, '[0-9]+(\.[0-9]+)?') then cast($arg as double) / 1000
end
