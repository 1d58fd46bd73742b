-- The campaign fields of an email's tracked link $arg (Mailchimp, Klaviyo): the UTM parameters the
-- sender's link tracking appends (utm_source, utm_medium, utm_campaign; NULL when absent) as
-- written in the URL (percent-encoded: the caller decodes them with url_decoded.sql) and the link's
-- path. A click carries them to the web visit it opens (docs/sources.md).
-- Used by email_link_fields.sql.
nullif(regexp_extract($arg, '[?&]utm_source=([^&#]*)', 1), '') as link_source_encoded,
nullif(regexp_extract($arg, '[?&]utm_medium=([^&#]*)', 1), '') as link_medium_encoded,
nullif(regexp_extract($arg, '[?&]utm_campaign=([^&#]*)', 1), '') as link_campaign_encoded,
nullif(regexp_extract($arg, '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*(/[^?#]*)', 1), '') as link_path
