-- True for a row of an Airbyte HubSpot stream that is archived (deleted) in HubSpot: `archived` true,
-- as the `*_archived` streams (contacts_archived, deals_archived, engagements_calls_archived, ...)
-- deliver every record; a JSON boolean, or `true`/`t`/`1` in a CSV dump ($arg = the JSON record).
coalesce(lower(trim(json_extract_string($arg, '$.archived'))) in ('true', 't', '1'), false)
