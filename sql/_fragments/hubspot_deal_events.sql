-- The canonical events of a staged HubSpot deal table ($arg1) whose deletion rows $arg2 marks
-- (`false` for the export): one per stage date of the deal's latest version. Used by
-- sql/staging/events/hubspot_deals.sql and fivetran_hubspot_deal.sql; source_table is
-- raw.hubspot_deals for both (a deal in an export and in a Fivetran dump counts once).
with deals as (
    {{ latest_version($arg1, record_id, $arg2) }}
)

select
    'hubspot' as source,
    'raw.hubspot_deals' as source_table,
    record_id || '|' || e.event_name as natural_key,
    record_id as source_record_id,
    _source_file, _row_number, _load_id,
    e.occurred_at,
    {{ event_identifiers(null, null, null, crm_contact_id, null) }},
    e.event_name,
    {{ event_visit(null, null, null, null) }},
    pipeline as origin,
    case when e.event_name = 'deal_closed_won' then amount end as value,
    case when e.event_name = 'deal_closed_won' and amount is not null then 'EUR' end as currency,
    json_object('deal_stage', deal_stage, 'pipeline', pipeline) as properties
from deals
cross join unnest([
    {'event_name': 'deal_created', 'occurred_at': created_at},
    {'event_name': 'deal_appointment_scheduled', 'occurred_at': appointment_scheduled_at},
    {'event_name': 'deal_qualified_to_buy', 'occurred_at': qualified_to_buy_at},
    {'event_name': 'deal_presentation_scheduled', 'occurred_at': presentation_scheduled_at},
    {'event_name': 'deal_decision_maker_bought_in', 'occurred_at': decision_maker_bought_in_at},
    {'event_name': 'deal_contract_sent', 'occurred_at': contract_sent_at},
    {'event_name': 'deal_closed_won', 'occurred_at': closed_won_at},
    {'event_name': 'deal_closed_lost', 'occurred_at': closed_lost_at}
]) as stages(e)
where e.occurred_at is not null
