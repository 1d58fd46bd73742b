-- grain: one row per ticket created/solved in the ticket's latest row of Fivetran's `ticket` table,
-- as the Tickets API export's (source_table raw.zendesk_tickets: a ticket in both counts once).
-- The table has no embedded satisfaction rating: ratings come from `satisfaction_rating`.
{{ zendesk_ticket_events(staging.fivetran_zendesk_tickets) }}
