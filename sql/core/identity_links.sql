-- model: kind=full built_by=core.identity_map
-- grain: one row per identifier and the anchor it was seen with on one record (edges of the identity graph)
-- An identifier in quality.identity_conflicts (shared by too many persons) takes no part in stitching:
-- it is never an anchor and links only to itself, so it becomes a person of its own and cannot merge
-- the persons it was seen with.
with record_keys as (
    select * from staging.identity_keys
),

conflicts as (
    select identifier from quality.identity_conflicts
),

usable_keys as (
    -- each combination's identifiers minus the shared ones
    select
        r.first_seen_at,
        case when ca.identifier is null then r.anon end as anon,
        case when cu.identifier is null then r.usr end as usr,
        case when ce.identifier is null then r.email end as email,
        case when cc.identifier is null then r.crm end as crm,
        case when cs.identifier is null then r.support end as support
    from record_keys as r
    left join conflicts as ca on ca.identifier = r.anon
    left join conflicts as cu on cu.identifier = r.usr
    left join conflicts as ce on ce.identifier = r.email
    left join conflicts as cc on cc.identifier = r.crm
    left join conflicts as cs on cs.identifier = r.support
),

anchored as (
    select
        first_seen_at,
        coalesce(usr, email, crm, support, anon) as anchor,
        unnest([usr, email, crm, support, anon]) as identifier
    from usable_keys
),

shared as (
    select identifier, identifier as anchor, first_seen_at
    from quality.identity_conflicts
)

select
    identifier,
    anchor,
    min(first_seen_at) as first_seen_at
from anchored
where identifier is not null
group by identifier, anchor
union all
select identifier, anchor, first_seen_at
from shared
