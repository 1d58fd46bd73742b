-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Fivetran's HubSpot `deal_contact` table (a deal's association with a
-- contact), typed, with its reject reason (NULL = usable)
-- link_key (deal_id|contact_id) names the association across dumps; a row soft-deleted by Fivetran
-- (`_fivetran_deleted`) is a deletion row: the association is gone.
{{ fivetran_hubspot_contact_link(raw.fivetran_hubspot_deal_contact, deal_id) }}
