-- grain: one row per raw record of every source, with what became of it (loaded, rejected, duplicate)
with staged as (
    select 'raw.ga4_events' as raw_table, _source_file, _row_number, _load_id, _reject_reason, _is_duplicate
    from staging.ga4_events
    union all
    select 'raw.hubspot_contacts', _source_file, _row_number, _load_id, _reject_reason, _is_duplicate
    from staging.hubspot_contacts
    union all
    select 'raw.hubspot_deals', _source_file, _row_number, _load_id, _reject_reason, _is_duplicate
    from staging.hubspot_deals
    union all
    select 'raw.zendesk_tickets', _source_file, _row_number, _load_id, _reject_reason, _is_duplicate
    from staging.zendesk_tickets
    union all
    select 'raw.zendesk_users', _source_file, _row_number, _load_id, _reject_reason, _is_duplicate
    from staging.zendesk_users
    union all
    select 'raw.survey_nps', _source_file, _row_number, _load_id, _reject_reason, _is_duplicate
    from staging.survey_nps
)

select
    raw_table,
    _source_file as source_file,
    _row_number as row_number,
    _load_id,
    case
        when _reject_reason is not null then 'rejected'
        when _is_duplicate then 'duplicate'
        else 'loaded'
    end as outcome,
    _reject_reason as reason
from staged
