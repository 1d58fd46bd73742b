-- model: kind=by_component key=identifier
-- grain: one row per identifier (anonymous id, user id, email hash, CRM or support id) with its person
with components as (
    select * from core.identity_components
),

identifiers as (
    select
        identifier,
        min(first_seen_at) as first_seen_at
    from core.identity_links
    group by identifier
),

ranked as (
    select
        i.identifier,
        c.component,
        i.first_seen_at,
        split_part(i.identifier, ':', 1) as identifier_kind,
        -- the earliest identifier names the person, so a person keeps the id as new data arrives
        row_number() over (
            partition by c.component
            order by
                i.first_seen_at nulls last,
                case split_part(i.identifier, ':', 1)
                    when 'user' then 1 when 'email' then 2 when 'hubspot' then 3
                    when 'zendesk' then 4 else 5
                end,
                i.identifier
        ) as rank_in_person
    from identifiers as i
    join components as c on c.identifier = i.identifier
),

representatives as (
    select component, identifier as representative
    from ranked
    where rank_in_person = 1
)

select
    r.identifier,
    r.identifier_kind,
    'p_' || left(md5(p.representative), 16) as person_id,
    r.first_seen_at
from ranked as r
join representatives as p on p.component = r.component
