-- model: kind=full
-- grain: one row per identifier that would merge more than $max_persons_per_identifier persons
-- (a shared office PC cookie, a support@ mailbox used by many contacts). core.identity_links keeps
-- such an identifier out of stitching, so it cannot glue those persons into one.
-- Persons are counted by strong identifiers (shop user ids, CRM contact ids) seen on the same
-- record: per kind, since one person usually has one of each (an email with user u1 and CRM
-- contact 101 is one person, not two).
with record_keys as (
    select * from staging.identity_keys
),

identifiers as (
    select first_seen_at, unnest([anon, usr, email, crm, support]) as identifier, usr, crm
    from record_keys
),

strong_pairs as (
    select identifier, first_seen_at, unnest([usr, crm]) as strong_identifier
    from identifiers
    where identifier is not null
),

distinct_pairs as (
    select identifier, strong_identifier, min(first_seen_at) as first_seen_at
    from strong_pairs
    where strong_identifier is not null and strong_identifier <> identifier
    group by identifier, strong_identifier
),

per_kind as (
    select
        identifier,
        split_part(strong_identifier, ':', 1) as strong_kind,
        count(*) as strong_identifiers,
        min(first_seen_at) as first_seen_at
    from distinct_pairs
    group by identifier, split_part(strong_identifier, ':', 1)
),

per_identifier as (
    select
        identifier,
        max(strong_identifiers) as persons_linked,
        cast(sum(strong_identifiers) as bigint) as strong_identifiers,  -- a HUGEINT sum in DuckDB
        array_to_string(list_sort(list(strong_kind || ' ids: ' || strong_identifiers)), ', ') as linked,
        min(first_seen_at) as first_seen_at
    from per_kind
    group by identifier
)

select
    split_part(identifier, ':', 1) as identifier_kind,
    identifier,
    persons_linked,
    strong_identifiers,
    cast($max_persons_per_identifier as integer) as max_persons_per_identifier,
    'would merge ' || persons_linked || ' persons (' || linked || '; limit '
        || $max_persons_per_identifier || '): likely '
        || case split_part(identifier, ':', 1)
            when 'anon' then 'a shared device or browser'
            when 'email' then 'a shared mailbox'
            else 'a shared account'
        end
        || '; not used for stitching' as reason,
    first_seen_at
from per_identifier
where persons_linked > $max_persons_per_identifier
