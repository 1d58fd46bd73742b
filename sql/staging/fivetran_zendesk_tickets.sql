-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Fivetran's Zendesk `ticket` table, typed into the columns of
-- staging.zendesk_tickets (the Tickets API export's), with its reject reason (NULL = usable)
-- Fivetran flattens the API's `via.channel` into `via_channel` and writes times as UTC instants
-- (a time without a zone is UTC here, not the export's zendesk time zone); the table has no embedded
-- satisfaction rating (its own `satisfaction_rating` table has them). A soft-deleted row
-- (`_fivetran_deleted`) or a ticket with status deleted is a deletion row: the ticket makes no
-- events. Typed and checked by sql/_fragments/zendesk_typed_tickets.sql, as the export is.
with source as (
    select * from raw.fivetran_zendesk_tickets
),

renamed as (
    select
        {{ zendesk_connector_ticket_columns(record) }},
        json_extract_string(record, '$.via_channel') as via_channel,
        cast(null as varchar) as satisfaction_score,
        coalesce(
            {{ fivetran_zendesk_deleted(record) }}, {{ zendesk_ticket_status_deleted(record) }}
        ) as deleted_reason
    from source
),

{{ zendesk_typed_tickets(renamed, 'UTC') }}
