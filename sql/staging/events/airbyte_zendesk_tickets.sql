-- grain: one row per ticket created/solved/rated in the ticket's latest row of Airbyte's `tickets`
-- stream, as the Tickets API export's (source_table raw.zendesk_tickets: a ticket in both counts once)
-- an Append-mode stream holds several rows of a record: its newest by Airbyte's extraction time
-- first (sql/_fragments/airbyte_latest_version.sql)
with newest_tickets as (
    {{ airbyte_latest_version(staging.airbyte_zendesk_tickets, ticket_id, _is_deleted) }}
)

select * from (
    {{ zendesk_ticket_events(newest_tickets) }}
)
