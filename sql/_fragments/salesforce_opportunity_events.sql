-- One row per opportunity created, stage change (OpportunityHistory) and opportunity won or lost,
-- of each opportunity's latest version, for the opportunity's contact, of one reader's staged
-- opportunities and history:
-- {{ salesforce_opportunity_events(staging.<opportunities>, staging.<history>, '<raw opportunities>',
-- '<raw history>') }}, $arg3/$arg4 the raw tables named as the events' source_table. Shared by the
-- Data Export's and Fivetran's opportunities.
-- OpportunityHistory gets a row on every change of stage, amount, probability or close date; only a
-- row whose stage differs from the row before it is a stage change. The first row is the stage the
-- opportunity was created in (opportunity_created says it), and the change into the final closed
-- stage is the won/lost event, which happens then (else at CloseDate, a date).
with opportunities as (
    {{ latest_version($arg1, opportunity_id, _is_deleted) }}
),

history as (
    {{ latest_version($arg2, history_id, _is_deleted) }}
),

sequenced as (
    select
        *,
        lag(stage_name) over (
            partition by opportunity_id order by created_at, history_id
        ) as previous_stage
    from history
),

stage_changes as (
    select
        *,
        -- the change into the stage the opportunity is in now (the newest change of all)
        row_number() over (
            partition by opportunity_id order by created_at desc, history_id desc
        ) = 1 as is_last_change
    from sequenced
    where previous_stage is not null and stage_name <> previous_stage
),

closing as (
    select s.opportunity_id, s.created_at as closed_at
    from stage_changes as s
    join opportunities as o on o.opportunity_id = s.opportunity_id
    where s.is_last_change and o.is_closed and s.stage_name = o.stage_name
),

opportunity_events as (
    select
        $arg3 as source_table,
        o.opportunity_id || '|' || e.event_name as natural_key,
        o.opportunity_id as source_record_id,
        o._source_file, o._row_number, o._load_id,
        e.occurred_at,
        o.crm_contact_id,
        e.event_name,
        o.lead_source as origin,
        case when e.event_name = 'opportunity_won' then o.amount end as value,
        case when e.event_name = 'opportunity_won' and o.amount is not null
            then coalesce(o.currency_iso_code, 'EUR') end as currency,
        o.stage_name,
        o.account_id
    from opportunities as o
    left join closing as c on c.opportunity_id = o.opportunity_id
    cross join unnest([
        {'event_name': 'opportunity_created', 'occurred_at': o.created_at},
        {
            'event_name': case when o.is_won then 'opportunity_won' else 'opportunity_lost' end,
            'occurred_at': case when o.is_closed
                then coalesce(c.closed_at, greatest(o.close_date, o.created_at)) end
        }
    ]) as stages(e)
    where e.occurred_at is not null
),

stage_events as (
    select
        $arg4 as source_table,
        h.history_id || '|stage' as natural_key,
        h.history_id as source_record_id,
        h._source_file, h._row_number, h._load_id,
        h.created_at as occurred_at,
        o.crm_contact_id,
        'opportunity_stage_'
            || trim(regexp_replace(lower(h.stage_name), '[^0-9a-z]+', '_', 'g'), '_') as event_name,
        o.lead_source as origin,
        cast(null as double) as value,
        cast(null as varchar) as currency,
        h.stage_name,
        o.account_id
    from stage_changes as h
    join opportunities as o on o.opportunity_id = h.opportunity_id
    -- the change into the final closed stage is the won/lost event
    where not (h.is_last_change and o.is_closed and h.stage_name = o.stage_name)
)

select
    'salesforce' as source,
    source_table,
    natural_key,
    source_record_id,
    _source_file, _row_number, _load_id,
    occurred_at,
    {{ event_identifiers(null, null, null, crm_contact_id, null) }},
    event_name,
    {{ event_visit(null, null, null, null) }},
    origin,
    value,
    currency,
    json_object('stage_name', stage_name, 'account_id', account_id) as properties
from opportunity_events
union all
select
    'salesforce', source_table, natural_key, source_record_id, _source_file, _row_number, _load_id,
    occurred_at, null, null, null, crm_contact_id, null, event_name, null, null, null, null, origin,
    value, currency, json_object('stage_name', stage_name, 'account_id', account_id)
from stage_events
