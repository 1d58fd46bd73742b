-- A money amount as exported ($arg1 = trimmed text, $arg2 = the file's delimiter): `1200.50`,
-- `1,200.50`; in a `;`-separated (German) export `1.200,50`; `1200,50` anywhere. NULL when empty
-- or not a number (the caller rejects a non-empty text that gives NULL).
case
    when $arg1 is null or $arg1 = '' then null
    -- German export: `.` groups thousands, `,` is the decimal mark
    when $arg2 = ';'
        and regexp_full_match($arg1, '[+-]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,[0-9]+)?')
        then try_cast(replace(replace($arg1, '.', ''), ',', '.') as double)
    -- a decimal comma with one or two decimals is unambiguous in any export
    when regexp_full_match($arg1, '[+-]?[0-9]+,[0-9]{1,2}')
        then try_cast(replace($arg1, ',', '.') as double)
    -- English thousands separators
    when regexp_full_match($arg1, '[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?')
        then try_cast(replace($arg1, ',', '') as double)
    when regexp_full_match($arg1, '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?')
        then try_cast($arg1 as double)
end
