-- The host of a page's referrer when it is another site (lower-cased, without `www.`): where a web
-- visit came from when no campaign says so. NULL without a referrer and for a referrer on the
-- page's own host (navigation within the site). Used as {{ referrer_host(referrer_url, page_url) }}.
case
    when regexp_replace(regexp_extract(lower(trim($arg1)), '^[a-z][a-z0-9+.-]*://([^/:?#]+)', 1), '^www[.]', '')
        not in ('', regexp_replace(
            coalesce(regexp_extract(lower(trim($arg2)), '^[a-z][a-z0-9+.-]*://([^/:?#]+)', 1), ''), '^www[.]', ''))
        then regexp_replace(regexp_extract(lower(trim($arg1)), '^[a-z][a-z0-9+.-]*://([^/:?#]+)', 1), '^www[.]', '')
end
