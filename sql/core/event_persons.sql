-- model: kind=by_event key=event_id writes=core.event_persons_identity_map,core.event_persons_conflicts
-- grain: one row per event of a known person: which person it belongs to, and a digest of what
-- core.touchpoints reads from it (an incremental run recomputes the persons whose rows changed)
with events as (
    select * from staging.events
),

persons as (
    select identifier, person_id from core.identity_map
),

conflicts as (
    select identifier from quality.identity_conflicts
)

-- an event belongs to the person of its strongest identifier that is not shared by too many
-- people (quality.identity_conflicts); only when all are shared does the shared one decide
select
    e.event_id,
    p.person_id,
    md5(concat_ws(
        '|', e.source, e.source_table, coalesce(e.source_record_id, ''),
        e.source_file, cast(e.source_row as varchar), cast(e.occurred_at as varchar), e.event_name,
        coalesce(e.page_path, ''), coalesce(e.utm_source, ''), coalesce(e.utm_medium, ''),
        coalesce(e.utm_campaign, ''), coalesce(e.origin, ''), coalesce(cast(e.value as varchar), ''),
        coalesce(e.currency, ''), coalesce(cast(e.properties as varchar), ''),
        coalesce(e.anonymous_id, ''), coalesce(e.user_id, ''), coalesce(e.email_hash, ''),
        coalesce(e.crm_contact_id, ''), coalesce(e.support_user_id, '')
    )) as event_digest
from events as e
left join conflicts as cu on cu.identifier = 'user:' || e.user_id
left join conflicts as ce on ce.identifier = 'email:' || e.email_hash
left join conflicts as cc on cc.identifier = e.crm_contact_id
left join conflicts as cs on cs.identifier = e.support_user_id
left join conflicts as ca on ca.identifier = 'anon:' || e.anonymous_id
join persons as p
    on p.identifier = coalesce(
        case when cu.identifier is null then 'user:' || e.user_id end,
        case when ce.identifier is null then 'email:' || e.email_hash end,
        case when cc.identifier is null then e.crm_contact_id end,
        case when cs.identifier is null then e.support_user_id end,
        case when ca.identifier is null then 'anon:' || e.anonymous_id end,
        'user:' || e.user_id, 'email:' || e.email_hash, e.crm_contact_id,
        e.support_user_id, 'anon:' || e.anonymous_id
    )
