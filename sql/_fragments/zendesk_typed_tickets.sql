-- The typed Zendesk ticket rows and their reject reasons, after a `renamed` CTE with the reader's
-- column list (ticket_id, requester_id, created_at_text, updated_at_text, status, ticket_type,
-- priority, via_channel, satisfaction_score, deleted_reason, lineage). Shared by the Tickets API
-- export and Fivetran's `ticket` table: `{{ zendesk_typed_tickets(renamed, $tz) }}`, $arg2 the zone
-- of a time without one. A deleted ticket (deleted_reason: status deleted, or the connector's soft
-- delete) is a deletion row: latest_version drops the ticket, and its reason is the reject's.
{{ zendesk_ticket_times($arg1, $arg2) }}

select
    * exclude (bad_time, deleted_reason),
    deleted_reason is not null as _is_deleted,
    case
        when ticket_id is null then 'missing id'
        when requester_id is null then 'missing requester_id'
        when created_at_text is null or trim(created_at_text) = '' then 'missing created_at'
        {{ unusable_timestamp_reason(bad_time, timestamp) }}
        when deleted_reason is not null then deleted_reason
    end as _reject_reason
from typed
