-- The event columns an email-marketing activity shares (Mailchimp, Klaviyo): a row with its lineage,
-- occurred_at, email_hash, event_name, the link's fields (email_link_utm.sql) and its `campaign`
-- (the utm_campaign). Source and medium are the link's, else the sender $arg ('mailchimp') and
-- `email`. The file adds source, source_table, natural_key, source_record_id and properties:
-- staging.events picks the columns by name (warehouse.source_events_sql).
_source_file, _row_number, _load_id,
occurred_at,
{{ event_identifiers(null, null, email_hash, null, null) }},
event_name,
link_path as page_path,
coalesce(link_source, $arg) as utm_source,
coalesce(link_medium, 'email') as utm_medium,
campaign as utm_campaign,
cast(null as varchar) as origin,
cast(null as double) as value,
cast(null as varchar) as currency
