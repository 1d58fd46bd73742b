-- Text as it may leave raw: emails → [email], phone numbers → [phone], the value of a query-string
-- parameter that names a person or holds the words a visitor searched for → [redacted]. Every text
-- column of every staged table passes through it except keys (journeyflow/pii.py), and so does the
-- raw text of rejects. Used as {{ scrub_pii(column) }}; sql_text() inlines it. The rule
-- (docs/architecture.md, "PII"):
--   parameter  ?email= &e= &mail= &phone= &tel= &mobile= &fax= &name= &first_name= &last_name= …
--              and the search words of a site search or a search engine's referrer URL: ?q= &s=
--              &query= &search= &keyword= &search_term= &term= &text= (Yandex) &wd= &word= (Baidu) …
--              (any case, after ? & ; #): the value up to the next & # ; " \ or line break
--              (spaces included: a value written with spaces is masked whole); utm_term= is not one
--              of them (the advertiser's keyword, not what the visitor typed)
--   email      local part @ domain . tld; @ may be URL-encoded (%40, %2540); +tags included
--   phone      + (or %2B) and 9-15 digits, each after at most two of space . / ( ) + - %20;
--              a trunk 0 and 2-5 digits then a space, / or - (or "(030) ") and 5 or more digits;
--              3-3-4 digits split by space, . or - ((800) 555-0199)
--   national numbers must not follow a letter, digit or . : / _ = -, so dates (01.06.2026,
--   2026-06-01, 06/01/2026), times, prices, versions, ids (ORD-2026-000123, 0815-4711) and plain
--   digit runs (epochs, 01711234567) stay as they are.
-- The guard (a contains and one regexp_matches that each rule implies; dates and timestamps fail it)
-- is what a clean text costs; the replacements run only where it finds a candidate.
case
    when contains($arg, '@') or regexp_matches(
        $arg,
        '(?i)%(25)?40|[?&;#](e|e[-_]?mail|mail|user_?email|email_?address|phone|phone_?number|tel|telephone'
        || '|mobile|cell|fax|name|first_?name|last_?name|fname|lname|full_?name|surname'
        || '|q|s|query|search|search_?term|search_?query|keywords?|term|text|wd|word)='
        || '|(\+|%2b)[0-9](([ ./()+-]|%20){0,2}[0-9]){8}'
        || '|(^|[^0-9]|%20)(\(0[0-9]{2,5}\)|0[0-9]{2,5}([ /-]|%20)[0-9])'
        || '|[0-9]{3}(\) ?|[ .-]|%20)[0-9]{3}([ .-]|%20)[0-9]{4}'
    )
        then regexp_replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(
                        regexp_replace(
                            $arg,
                            '(?i)([?&;#](e|e[-_]?mail|mail|user_?email|email_?address|phone|phone_?number|tel'
                            || '|telephone|mobile|cell|fax|name|first_?name|last_?name|fname|lname|full_?name'
                            || '|surname|q|s|query|search|search_?term|search_?query|keywords?|term|text|wd|word)=)'
                            || '[^&#;"\\\r\n]*',
                            '\1[redacted]', 'g'
                        ),
                        '[A-Za-z0-9._%+-]+(@|%40|%2540)[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}',
                        '[email]', 'g'
                    ),
                    '(\+|%2[Bb])[0-9](([ ./()+-]|%20){0,2}[0-9]){8,14}', '[phone]', 'g'
                ),
                '(^|[^0-9A-Za-z.:/_=-]|%20)(\(0[0-9]{2,5}\) ?|0[0-9]{2,5}([ /-]|%20))[0-9](([ /-]|%20)?[0-9]){4,}',
                '\1[phone]', 'g'
            ),
            '(^|[^0-9A-Za-z.:/_=-]|%20)\(?[2-9][0-9]{2}(\) ?|[ .-]|%20)[0-9]{3}([ .-]|%20)[0-9]{4}([^0-9A-Za-z]|$)',
            '\1[phone]\4', 'g'
        )
    else $arg
end
