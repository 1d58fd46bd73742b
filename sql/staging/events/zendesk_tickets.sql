-- grain: one row per ticket created/solved/rated in the ticket's latest export
-- staging.events unions this file with every other source's (sql/staging/events.sql).
-- The rating events here come from the ticket's embedded satisfaction_rating, at updated_at: only
-- a fallback for tickets without an answered rating in a ratings export or dump
-- (sql/staging/events/zendesk_satisfaction_ratings.sql), so a ticket is rated once.
{{ zendesk_ticket_events(staging.zendesk_tickets) }}
