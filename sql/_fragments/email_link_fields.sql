-- The rows of $arg2 with the campaign fields of their email's tracked link $arg1 (Mailchimp,
-- Klaviyo): link_source, link_medium and link_campaign, the UTM values (email_link_utm.sql) as the
-- text they encode (`Summer%20Sale` is `Summer Sale`: url_decoded.sql), and link_path.
-- Used as `with_utm as ({{ email_link_fields(url, usable) }})`.
select
    * exclude (link_source_encoded, link_medium_encoded, link_campaign_encoded),
    {{ url_decoded(link_source_encoded) }} as link_source,
    {{ url_decoded(link_medium_encoded) }} as link_medium,
    {{ url_decoded(link_campaign_encoded) }} as link_campaign
from (select *, {{ email_link_utm($arg1) }} from $arg2) as with_encoded_utm
