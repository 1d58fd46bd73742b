-- model: kind=full
-- grain: one row per input record (or unreadable file) that could not be used, with the reason
with record_rejects as (
    select raw_table, source_file, row_number, reason, _load_id
    from staging.record_outcomes
    where outcome = 'rejected'
),

raw_records as (
    -- {{ raw_records_of_rejects }}: raw_table, _source_file, _row_number, record of the rows
    -- record_rejects names (each raw.<source>'s rows with a reject reason in its staged table; the
    -- record of an export with custom columns with only its documented members shown), UNION ALL
    -- (sql_text() inlines it)
    {{ raw_records_of_rejects }}
),

record_rejects_with_text as (
    select j.raw_table, j.source_file, j.row_number, j.reason, r.record as raw_text, j._load_id
    from record_rejects as j
    left join raw_records as r
        on r.raw_table = j.raw_table
        and r._source_file = j.source_file
        and r._row_number = j.row_number
),

all_rejects as (
    -- a line of an export with a column per custom field that could not be parsed holds those
    -- columns' values with no names to tell them apart: only its place and reason are shown (the
    -- line itself stays in raw.ingest_errors, in the raw file)
    select raw_table, source_file, row_number, reason,
        case when raw_table in ({{ tables_with_custom_columns }}) and raw_text is not null
            then '[redacted: a line of an export with custom columns]' else raw_text end as raw_text,
        _load_id
    from raw.ingest_errors
    union all
    select raw_table, source_file, row_number, reason, raw_text, _load_id
    from record_rejects_with_text
),

masked_members as (
    -- the raw text leaves the raw layer here, so JSON fields holding names, phones, addresses or
    -- free text are redacted, whatever their case (Salesforce's FirstName/LastName/Company,
    -- HubSpot's hs_call_body, Fivetran's property_firstname and Airbyte's properties_firstname,
    -- Zendesk's raw_subject and Fivetran Zendesk's alias, details, signature, via_source_from_title
    -- and system_location, Meta leads'
    -- full_name and job_title, Shopify's and WooCommerce's billing_*/shipping_* and notes,
    -- Mailchimp's FNAME/LNAME, Klaviyo's profile address and ip, …) before the PII scrubber masks
    -- emails and phone numbers anywhere else.
    -- Names in a CSV line that could not be parsed cannot be told apart and remain.
    -- A JSON string is matched to its closing quote, past escaped quotes (`"He said \"Anna\""`), as
    -- `"[^"\\]*(?:\\.[^"\\]*)*"`: a loop per escape, not per character, which Spark's Java regex
    -- needs on long texts.
    select
        raw_table,
        source_file,
        row_number,
        reason,
        -- a nested object held as JSON text (an Airbyte dump's `via`, `satisfaction_rating`) escapes
        -- its quotes (`\"name\": \"Anna\"`, an escaped quote inside as `\\\"`): the names and free
        -- text in it are redacted as well
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            raw_text,
            '(?i)("(phone[a-z_]*|mobile[a-z_]*|(first|last|full|company|customer)_?name|name|fname'
            || '|lname|comment|company|description|description_text|subject|raw_subject'
            || '|(properties_)?hs_[a-z_]*(body|text|html|subject|title|firstname|lastname)'
            || '|propert(y|ies)_(firstname|lastname|company'
            || '|jobtitle|phone|mobilephone|address|city|zip)|job_?title|title|organization'
            || '|(billing|shipping)[a-z0-9_ ]*|street[a-z0-9_ ]*|address[a-z0-9_ ]*|city|zip[a-z_]*'
            || '|post(al)?_?code|customer_note|notes?|ip|ip_address|reason|alias|details|signature'
            || '|shared_phone_number|via_source_(from_title|to_name)|system_(ip_address|location)'
            -- a visitor's search words (docs/architecture.md, "Search words"): Snowplow's referrer
            -- terms, Segment's query string
            || '|refr_term|mkt_term|search_term|search)"'
            || '\s*:\s*")[^"\\]*(?:\\.[^"\\]*)*"',
            '\1[redacted]"', 'g'
        ),
            -- Airbyte's nested `properties` object as JSON text in a CSV dump: its names cannot be
            -- told apart inside the escaped text, so all of it (the flattened properties_* are kept)
            '(?i)("properties"\s*:\s*")[^"\\]*(?:\\.[^"\\]*)*"', '\1[redacted]"', 'g'
        ),
            -- inside JSON text a string is `\"…\"`, an escape in it `\n`, `\\n` or `\\\"`
            '(?i)(\\"((first|last|full)_?name|name|title|comment|reason|subject|raw_subject|description'
            || '|phone[a-z_]*|notes?|details|alias|signature|file_name)\\"\s*:\s*\\")'
            || '[^"\\]*(?:\\(?:\\\\.|\\[^"\\]|[^"\\])[^"\\]*)*\\"',
            '\1[redacted]\\"', 'g'
        ),
            -- GA4's site-search words: the `search_term` event parameter's string value
            '(?i)("key"\s*:\s*"search_term"\s*,\s*"value"\s*:\s*\{\s*"string_value"\s*:\s*")'
            || '[^"\\]*(?:\\.[^"\\]*)*"',
            '\1[redacted]"', 'g'
        ) as raw_text,
        _load_id
    from all_rejects
),

masked_places as (
    -- where the person was and what they used, a number or text: Fivetran Zendesk's
    -- system_latitude/system_longitude (floats in a Parquet dump), system_client, a nested
    -- `system` object's latitude, longitude and location (Zendesk's audit metadata), a social
    -- channel's username and profile_url (a ticket's `via.source.from`); Snowplow's IP address,
    -- its IP lookups' zip code, city, ISP, organisation and domain, the user agent and the
    -- browser fingerprint (geo_latitude/geo_longitude as the others). Country, region and time
    -- zone stay: they explain a row and name no one.
    select
        raw_table,
        source_file,
        row_number,
        reason,
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            raw_text,
            '(?i)("((system_|geo_)?(latitude|longitude)|location|client|system_(client|ip_address|location)'
            || '|username|profile_url|user_ipaddress|user_fingerprint|useragent|geo_(zipcode|city)'
            || '|ip_(isp|organization|domain))"\s*:\s*)(?:"[^"\\]*(?:\\.[^"\\]*)*"|-?[0-9][0-9.eE+-]*)',
            '\1"[redacted]"', 'g'
        ),
            -- the same inside a nested object held as JSON text (an Airbyte dump's `via`), and the
            -- `address` there (an email, phone or social handle of `via.source.from`)
            '(?i)(\\"((system_|geo_)?(latitude|longitude)|location|client|system_(client|ip_address|location)'
            || '|ip_address|address|username|profile_url)\\"\s*:\s*)'
            || '(?:\\"[^"\\]*(?:\\(?:\\\\.|\\[^"\\]|[^"\\])[^"\\]*)*\\"|-?[0-9][0-9.eE+-]*)',
            '\1\\"[redacted]\\"', 'g'
        ),
            -- an IP address anywhere else, as in an enriched TSV line that could not be keyed
            -- (`user_ipaddress` is its 14th field). IPv4 first (versions have fewer parts or longer
            -- numbers), so that an IPv6 address ending in one (64:ff9b::203.0.113.7) is not cut there.
            -- Each rule runs twice: a match takes the character after it, so a second address right
            -- behind (`203.0.113.7,198.51.100.7`, a forwarded-for list) is found by the second pass
            '(^|[^0-9A-Za-z.])[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}([^0-9A-Za-z.]|$)',
            '\1[ip]\2', 'g'
        ),
            '(^|[^0-9A-Za-z.])[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}([^0-9A-Za-z.]|$)',
            '\1[ip]\2', 'g'
        ),
            -- IPv6: eight groups of 1-4 hex digits, or a `::` after one to seven groups
            -- (2001:db8::8a2e:370:7334, fe80::1, [2001:db8::1]:443); a time (12:30:45), a MAC address
            -- (six groups) or a colon-joined hex id has neither, and a code name (std::vector,
            -- Foo::Bar) fails on its letters (one of hex letters only, Ab::Cd, is masked); `::1` and
            -- the `::ffff:` before an IPv4 address name no one and stay. Not after a `:` in the two
            -- passes (they would take `db8::2` of `2001:db8::2` behind a masked address); a third
            -- pass, after a `:`, takes one behind a name (`ip:2001:db8::1`)
            '(^|[^0-9A-Za-z.:])(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}'
            || '|[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?)'
            || '([^0-9A-Za-z:]|$)',
            '\1[ip]\2', 'g'
        ),
            '(^|[^0-9A-Za-z.:])(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}'
            || '|[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?)'
            || '([^0-9A-Za-z:]|$)',
            '\1[ip]\2', 'g'
        ),
            '(^|[^0-9A-Za-z.])(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}'
            || '|[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?)'
            || '([^0-9A-Za-z:]|$)',
            '\1[ip]\2', 'g'
        ) as raw_text,
        _load_id
    from masked_members
),

masked as (
    -- a Zendesk ticket's `custom_fields` (and their older name `fields`): `{"id": 360…, "value": …}`
    -- objects whose value is whatever an agent or the form put there (text, a number, a yes/no, a
    -- list of options): the value is redacted, the id kept (it says which field it was), whichever
    -- member comes first. Plain JSON (the API export, a Parquet list) or JSON text (an Airbyte
    -- dump's custom_fields column).
    -- A Zendesk user's or organisation's `user_fields` / `organization_fields` (an object keyed by
    -- the account's own field names, or its JSON text) are redacted whole, and so is a Freshdesk
    -- custom field (`custom_fields.cf_<name>`, any value).
    select
        raw_table,
        source_file,
        row_number,
        reason,
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            raw_text,
            '(?i)("(user_fields|organization_fields|cf_[a-z0-9_]*)"\s*:\s*)(?:"[^"\\]*(?:\\.[^"\\]*)*"'
            || '|-?[0-9][0-9.eE+-]*|true|false|\{[^{}"]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^{}"]*)*\}'
            || '|\[[^\]"]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^\]"]*)*\])',
            '\1"[redacted]"', 'g'
        ),
            '(\{\s*"id"\s*:\s*"?[0-9]+"?\s*,\s*"value"\s*:\s*)(?:"[^"\\]*(?:\\.[^"\\]*)*"'
            || '|-?[0-9][0-9.eE+-]*|true|false|\[[^\]"]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^\]"]*)*\])',
            '\1"[redacted]"', 'g'
        ),
            '(\{\s*\\"id\\"\s*:\s*(\\")?[0-9]+(\\")?\s*,\s*\\"value\\"\s*:\s*)'
            || '(?:\\"[^"\\]*(?:\\(?:\\\\.|\\[^"\\]|[^"\\])[^"\\]*)*\\"|-?[0-9][0-9.eE+-]*|true|false'
            || '|\[[^\]"]*(?:\\"[^"\\]*(?:\\(?:\\\\.|\\[^"\\]|[^"\\])[^"\\]*)*\\"[^\]"]*)*\])',
            '\1\\"[redacted]\\"', 'g'
        ),
            -- the same object written value first (`{"value": …, "id": 360…}`, as a writer that
            -- orders a struct's members its own way may): the value up to the id, which is kept
            '(\{\s*"value"\s*:\s*)(?:"[^"\\]*(?:\\.[^"\\]*)*"|-?[0-9][0-9.eE+-]*|true|false'
            || '|\[[^\]"]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^\]"]*)*\])(\s*,\s*"id"\s*:\s*"?[0-9]+"?\s*\})',
            '\1"[redacted]"\2', 'g'
        ),
            '(\{\s*\\"value\\"\s*:\s*)'
            || '(?:\\"[^"\\]*(?:\\(?:\\\\.|\\[^"\\]|[^"\\])[^"\\]*)*\\"|-?[0-9][0-9.eE+-]*|true|false'
            || '|\[[^\]"]*(?:\\"[^"\\]*(?:\\(?:\\\\.|\\[^"\\]|[^"\\])[^"\\]*)*\\"[^\]"]*)*\])'
            || '(\s*,\s*\\"id\\"\s*:\s*(?:\\")?[0-9]+(?:\\")?\s*\})',
            '\1\\"[redacted]\\"\2', 'g'
        ) as raw_text,
        _load_id
    from masked_places
)

select
    raw_table,
    source_file,
    row_number,
    -- a reason may quote the value it could not read
    {{ scrub_pii(reason) }} as reason,
    -- cut to 2000 characters after masking (an email cut in half is not masked; a rejected 33 MB
    -- line was published whole)
    left({{ scrub_pii(raw_text) }}, 2000) as raw_text,
    _load_id
from masked
