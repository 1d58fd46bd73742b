-- grain: one row per ticket created/solved/rated in the ticket's latest row of Airbyte's `tickets`
-- stream, as the Tickets API export's (source_table raw.zendesk_tickets: a ticket in both counts once)
{{ zendesk_ticket_events(staging.airbyte_zendesk_tickets) }}
