-- A query-string value $arg (a column) as the text it encodes: `+` is a space and `%XX` a byte of
-- UTF-8 (`Summer%20Sale`, `Summer+Sale` -> `Summer Sale`), as GA4 reads a landing page's UTM
-- parameters. A value that is not a valid encoding (`%zz`, a lone `%`, `%e9`: a byte that is not
-- UTF-8) is kept as written: DuckDB's url_decode raises on bad UTF-8 and Spark's on a bad `%`, so
-- the pattern below guards both engines: every `%` starts a complete UTF-8 character (RFC 3629:
-- no overlong form, no surrogate, nothing above U+10FFFF), in either case (`%c3%a9`).
-- Used as `{{ url_decoded(link_campaign_encoded) }} as link_campaign` (docs/metrics.md "UTM values").
case
    when regexp_matches(
        $arg,
        '(?i)^([^%]|%[0-7][0-9a-f]|%c[2-9a-f]%[89ab][0-9a-f]|%d[0-9a-f]%[89ab][0-9a-f]|%e0%[ab][0-9a-f]%[89ab][0-9a-f]|%e[1-9a-cef]%[89ab][0-9a-f]%[89ab][0-9a-f]|%ed%[89][0-9a-f]%[89ab][0-9a-f]|%f0%[9ab][0-9a-f]%[89ab][0-9a-f]%[89ab][0-9a-f]|%f[1-3]%[89ab][0-9a-f]%[89ab][0-9a-f]%[89ab][0-9a-f]|%f4%8[0-9a-f]%[89ab][0-9a-f]%[89ab][0-9a-f])*$'
    ) then url_decode(replace($arg, '+', ' '))
    else $arg
end
