-- Why a Zendesk ticket ($arg: its JSON record) is a deletion, or NULL: Zendesk lists a deleted
-- ticket with status `deleted` (the incremental export, a connector's `ticket` table) until it is
-- scrubbed. Used as {{ zendesk_ticket_status_deleted(record) }}.
case
    when lower(trim(json_extract_string($arg, '$.status'))) = 'deleted'
        then 'status is deleted (deleted in Zendesk)'
end
