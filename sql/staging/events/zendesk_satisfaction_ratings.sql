-- grain: one row per ticket with an answered (good/bad) satisfaction rating: its latest answer
-- staging.events unions this file with every other source's (sql/staging/events.sql).
-- The rating is the ticket's one rating event, at the rating's own created_at; for such a ticket
-- sql/staging/events/zendesk_tickets.sql makes no rating event from the ticket's embedded copy.
{{ zendesk_rating_events(staging.zendesk_satisfaction_ratings) }}
