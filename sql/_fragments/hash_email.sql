-- An email as exported → the salted hash kept outside raw: trimmed and lower-cased, and without a
-- +tag when $strip_plus_addressing (anna+news@x.com is anna@x.com); NULL when blank.
-- Used as {{ hash_email(column) }}; sql_text() inlines it.
case
    when nullif(lower(trim($arg)), '') is null then null
    when $strip_plus_addressing
        then sha256($salt || regexp_replace(lower(trim($arg)), '^([^@+]*)\+[^@]*@', '\1@'))
    else sha256($salt || lower(trim($arg)))
end
