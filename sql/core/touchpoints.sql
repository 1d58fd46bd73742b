-- grain: one row per classified event of a known person (technical events dropped), with its session and journey
with recursive events_with_person as (
    -- core.event_persons: the person of each event (an incremental run passes only changed persons)
    select e.* exclude (_load_id), p.person_id
    from staging.events as e
    join core.event_persons as p on p.event_id = e.event_id
),

rules as (
    select * from core.taxonomy_rules
),

named_rules as (
    -- rules naming an event are joined on it (a hash join); the few without one apply to all events
    select r.*, r.event_name is null as is_wildcard from rules as r
),

rule_candidates as (
    select e.event_id, e.source as e_source, e.page_path as e_page_path, e.utm_medium as e_utm_medium,
        e.utm_source as e_utm_source, e.origin as e_origin, e.value as e_value, r.*
    from events_with_person as e
    join named_rules as r on r.event_name = e.event_name
    union all
    select e.event_id, e.source, e.page_path, e.utm_medium, e.utm_source, e.origin, e.value, r.*
    from events_with_person as e
    cross join (select * from named_rules where is_wildcard) as r
),

rule_matches as (
    select * exclude (e_source, e_page_path, e_utm_medium, e_utm_source, e_origin, e_value, is_wildcard)
    from rule_candidates
    where (source is null or source = e_source)
        and (page_path is null or e_page_path like page_path)
        and (utm_medium is null or lower(e_utm_medium) = utm_medium)
        and (utm_source is null or lower(e_utm_source) = utm_source)
        and (origin is null or lower(e_origin) = lower(origin))
        and (value_min is null or e_value >= value_min)
        and (value_max is null or e_value <= value_max)
),

first_match as (
    select * exclude (match_rank)
    from (
        select *, row_number() over (partition by event_id order by rule_order) as match_rank
        from rule_matches
    )
    where match_rank = 1
),

classified as (
    select
        e.*,
        m.rule_order,
        coalesce(m.is_ignored, false) as is_ignored,
        coalesce(m.touchpoint, 'unmapped') as base_touchpoint,
        coalesce(m.channel, 'unknown') as channel,
        m.category,
        coalesce(m.is_online, true) as is_online,
        m.phase as base_phase,
        m.phase_order as base_phase_order,
        coalesce(m.is_conversion, false) as is_conversion,
        m.repeat_touchpoint,
        m.repeat_phase,
        m.repeat_phase_order
    from events_with_person as e
    left join first_match as m on m.event_id = e.event_id
),

kept_all as (
    select * from classified where not is_ignored
),

data_end as (
    select max(epoch(occurred_at)) as end_epoch from kept_all
),

kept as (
    -- journey_lookback_days: only touchpoints at most that long before the data's end are used
    select k.*
    from kept_all as k
    cross join data_end as d
    where cast($journey_lookback_seconds as double) is null
        or epoch(k.occurred_at) >= d.end_epoch - cast($journey_lookback_seconds as double)
),

ordered as (
    select
        *,
        row_number() over (partition by person_id order by occurred_at, event_id) as touchpoint_number,
        sum(case when is_conversion then 1 else 0 end) over (
            partition by person_id order by occurred_at, event_id rows unbounded preceding
        ) as conversions_so_far
    from kept
),

relabelled as (
    -- a conversion by a person who converted before is a repeat (repeat purchase, upsell)
    select
        *,
        case when is_conversion and conversions_so_far > 1 and repeat_touchpoint is not null
            then repeat_touchpoint else base_touchpoint end as touchpoint,
        case when is_conversion and conversions_so_far > 1 and repeat_phase is not null
            then repeat_phase else base_phase end as phase,
        case when is_conversion and conversions_so_far > 1 and repeat_phase is not null
            then repeat_phase_order else base_phase_order end as phase_order
    from ordered
),

with_previous as (
    select
        *,
        epoch(occurred_at) as occurred_epoch,
        lag(occurred_at) over (partition by person_id order by touchpoint_number) as previous_at,
        lag(phase) over (partition by person_id order by touchpoint_number) as previous_phase,
        -- journey_start_events: only these touchpoints may start a journey (null: any touchpoint)
        cast($journey_start_events as varchar[]) is null
            or list_contains(cast($journey_start_events as varchar[]), touchpoint) as may_start
    from relabelled
),

episode_boundaries as (
    -- an episode ends at churn or after the inactivity window; journeys never span two episodes
    select
        *,
        case
            when previous_at is null then 1
            when epoch(occurred_at) - epoch(previous_at) > $journey_gap_seconds then 1
            when previous_phase = 'churn' then 1
            else 0
        end as starts_episode
    from with_previous
),

episodes as (
    select
        *,
        sum(starts_episode) over (
            partition by person_id order by touchpoint_number rows unbounded preceding
        ) as episode_number
    from episode_boundaries
),

first_starts as (
    -- the first touchpoint of each episode that may start a journey
    select person_id, min(touchpoint_number) as touchpoint_number
    from episodes
    where may_start
    group by person_id, episode_number
),

start_probes as (
    -- journey_max_days: for each possible start s, the first possible start later than
    -- s + journey_max_days in the same episode; found by merging probes at s + max into the
    -- timeline and looking at the next real row (a window, not a range join)
    select person_id, episode_number, occurred_epoch + cast($journey_max_seconds as double) as at_epoch,
        1 as is_probe, touchpoint_number as probe_of, cast(null as bigint) as candidate_number
    from episodes
    where may_start and cast($journey_max_seconds as double) is not null
    union all
    select person_id, episode_number, occurred_epoch, 0, touchpoint_number, touchpoint_number
    from episodes
    where may_start and cast($journey_max_seconds as double) is not null
),

next_starts as (
    select person_id, probe_of as touchpoint_number, next_number
    from (
        select
            *,
            min(candidate_number) over (
                partition by person_id, episode_number
                order by at_epoch, is_probe, probe_of
                rows between current row and unbounded following
            ) as next_number
        from start_probes
    )
    where is_probe = 1 and next_number is not null
),

journey_starts(person_id, touchpoint_number) as (
    -- the chain of journey starts: an episode's first possible start, then the first possible
    -- start more than journey_max_days after it, and so on (one row per journey per step)
    -- (bigint on both sides: Spark's row_number() is an int, and a recursive CTE keeps its types)
    select person_id, cast(touchpoint_number as bigint) from first_starts
    union all
    select n.person_id, n.next_number
    from journey_starts as s
    join next_starts as n on n.person_id = s.person_id and n.touchpoint_number = s.touchpoint_number
),

assigned as (
    select
        e.*,
        s.touchpoint_number is not null as starts_journey,
        sum(case when s.touchpoint_number is not null then 1 else 0 end) over (
            partition by e.person_id order by e.touchpoint_number rows unbounded preceding
        ) as journey_count,
        max(case when s.touchpoint_number is not null then e.occurred_epoch end) over (
            partition by e.person_id order by e.touchpoint_number rows unbounded preceding
        ) as journey_start_epoch,
        max(case when s.touchpoint_number is not null then e.episode_number end) over (
            partition by e.person_id order by e.touchpoint_number rows unbounded preceding
        ) as journey_episode
    from episodes as e
    left join journey_starts as s
        on s.person_id = e.person_id and s.touchpoint_number = e.touchpoint_number
),

in_journey as (
    -- touchpoints before an episode's first possible start, or later than journey_max_days after
    -- their journey's start and before the next start, belong to no journey and are left out
    select *
    from assigned
    where journey_count > 0
        and journey_episode = episode_number
        and (cast($journey_max_seconds as double) is null
             or occurred_epoch - journey_start_epoch <= cast($journey_max_seconds as double))
),

boundaries as (
    select
        *,
        case
            when starts_journey then 1
            when epoch(occurred_at) - epoch(lag(occurred_at) over (
                partition by person_id order by touchpoint_number)) > $session_gap_seconds then 1
            when lag(phase) over (partition by person_id order by touchpoint_number) = 'churn' then 1
            else 0
        end as starts_visit
    from in_journey
),

visit_pieces as (
    -- session_max_minutes: a visit (no gap longer than the session gap) longer than the cap is cut
    -- into pieces of the cap's length counted from the visit's first touchpoint; one session each
    select
        *,
        case when cast($session_max_seconds as double) is null then 0
            else floor((occurred_epoch - max(case when starts_visit = 1 then occurred_epoch end) over (
                partition by person_id order by touchpoint_number rows unbounded preceding
            )) / cast($session_max_seconds as double))
        end as visit_piece
    from boundaries
),

session_starts as (
    select
        *,
        case
            when starts_visit = 1 then 1
            when visit_piece <> lag(visit_piece) over (partition by person_id order by touchpoint_number)
                then 1
            else 0
        end as starts_session
    from visit_pieces
),

numbered as (
    select
        *,
        cast(sum(starts_session) over (
            partition by person_id order by touchpoint_number rows unbounded preceding
        ) as bigint) as session_number,
        cast(journey_count as bigint) as journey_number
    from session_starts
),

with_ids as (
    select
        *,
        person_id || ':s' || printf('%05d', session_number) as session_id,
        person_id || ':j' || printf('%03d', journey_number) as journey_id
    from numbered
)

select
    -- ids
    event_id,
    person_id,
    session_id,
    journey_id,
    -- timestamps and order
    occurred_at,
    touchpoint_number,
    session_number,
    journey_number,
    -- classification
    touchpoint,
    channel,
    category,
    is_online,
    phase,
    phase_order,
    is_conversion,
    coalesce(
        touchpoint = lag(touchpoint) over (partition by journey_id order by touchpoint_number),
        false
    ) as repeats_previous,
    rule_order,
    -- event attributes
    source,
    event_name,
    page_path,
    utm_source,
    utm_medium,
    utm_campaign,
    origin,
    -- measures
    value,
    currency
from with_ids
