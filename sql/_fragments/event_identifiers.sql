-- The five person identifiers of a canonical event row, in the order of EVENT_COLUMNS:
-- {{ event_identifiers(anonymous_id, user_id, email_hash, crm_contact_id, support_user_id) }}, each a
-- column of the file's rows or `null` where the source has none (a typed NULL: every branch of
-- staging.events' union has the same varchar columns). identity.py links persons by these.
cast($arg1 as varchar) as anonymous_id,
cast($arg2 as varchar) as user_id,
cast($arg3 as varchar) as email_hash,
cast($arg4 as varchar) as crm_contact_id,
cast($arg5 as varchar) as support_user_id
