-- grain: one row per classified event of a known person (technical events dropped), with its session and journey
with recursive events_with_person as (
    -- core.event_persons: the person of each event (an incremental run passes only changed persons);
    -- only the columns classification and the result use, so the passes below stay narrow
    select
        e.event_id, p.person_id, e.occurred_at, e.source, e.event_name, e.page_path,
        e.utm_source, e.utm_medium, e.utm_campaign, e.origin, e.value, e.currency
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

first_match as (
    -- the first rule (lowest rule_order) whose match fits; the rows of one rule (one per
    -- combination of listed match values) share its outcome, taken from rule_outcomes
    select event_id, min(rule_order) as rule_order
    from rule_candidates
    where (source is null or source = e_source)
        and (page_path is null or e_page_path like page_path)
        and (utm_medium is null or lower(e_utm_medium) = utm_medium)
        and (utm_source is null or lower(e_utm_source) = utm_source)
        and (origin is null or lower(e_origin) = lower(origin))
        and (value_min is null or e_value >= value_min)
        and (value_max is null or e_value <= value_max)
    group by event_id
),

rule_outcomes as (
    select distinct
        rule_order, is_ignored, touchpoint, channel, category, is_online, phase, phase_order,
        is_conversion, repeat_touchpoint, repeat_phase, repeat_phase_order
    from rules
),

classified as (
    select
        e.*,
        m.rule_order,
        coalesce(o.is_ignored, false) as is_ignored,
        coalesce(o.touchpoint, 'unmapped') as base_touchpoint,
        coalesce(o.channel, 'unknown') as channel,
        o.category,
        coalesce(o.is_online, true) as is_online,
        o.phase as base_phase,
        o.phase_order as base_phase_order,
        coalesce(o.is_conversion, false) as is_conversion,
        o.repeat_touchpoint,
        o.repeat_phase,
        o.repeat_phase_order
    from events_with_person as e
    left join first_match as m on m.event_id = e.event_id
    left join rule_outcomes as o on o.rule_order = m.rule_order
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
    -- one sort per person for numbering, conversions so far and the previous touchpoint's values
    -- (the previous touchpoint of a kept row in a journey is always in the same journey, see
    -- boundaries); only what the windows below need, the other columns are joined back at the end
    select
        event_id, person_id, occurred_at, epoch(occurred_at) as occurred_epoch, is_conversion,
        base_touchpoint, base_phase, base_phase_order, repeat_touchpoint, repeat_phase,
        repeat_phase_order,
        row_number() over (partition by person_id order by occurred_at, event_id) as touchpoint_number,
        sum(case when is_conversion then 1 else 0 end) over (
            partition by person_id order by occurred_at, event_id rows unbounded preceding
        ) as conversions_so_far,
        lag(occurred_at) over (partition by person_id order by occurred_at, event_id) as previous_at,
        lag(is_conversion) over (partition by person_id order by occurred_at, event_id)
            as previous_is_conversion,
        lag(base_touchpoint) over (partition by person_id order by occurred_at, event_id)
            as previous_base_touchpoint,
        lag(base_phase) over (partition by person_id order by occurred_at, event_id)
            as previous_base_phase,
        lag(repeat_touchpoint) over (partition by person_id order by occurred_at, event_id)
            as previous_repeat_touchpoint,
        lag(repeat_phase) over (partition by person_id order by occurred_at, event_id)
            as previous_repeat_phase
    from (
        select
            event_id, person_id, occurred_at, is_conversion, base_touchpoint, base_phase,
            base_phase_order, repeat_touchpoint, repeat_phase, repeat_phase_order
        from kept
    )
),

relabelled as (
    -- a conversion by a person who converted before is a repeat (repeat purchase, upsell); the
    -- previous touchpoint had converted conversions_so_far minus this row's conversion times
    select
        *,
        case when is_conversion and conversions_so_far > 1 and repeat_touchpoint is not null
            then repeat_touchpoint else base_touchpoint end as touchpoint,
        case when is_conversion and conversions_so_far > 1 and repeat_phase is not null
            then repeat_phase else base_phase end as phase,
        case when is_conversion and conversions_so_far > 1 and repeat_phase is not null
            then repeat_phase_order else base_phase_order end as phase_order,
        case when previous_is_conversion
                and conversions_so_far - case when is_conversion then 1 else 0 end > 1
                and previous_repeat_touchpoint is not null
            then previous_repeat_touchpoint else previous_base_touchpoint end as previous_touchpoint,
        case when previous_is_conversion
                and conversions_so_far - case when is_conversion then 1 else 0 end > 1
                and previous_repeat_phase is not null
            then previous_repeat_phase else previous_base_phase end as previous_phase
    from ordered
),

with_previous as (
    select
        *,
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
    -- Left-out touchpoints end a journey's run of touchpoints (times only grow, and a new
    -- episode or journey only starts at a start), so the touchpoint before a kept one that
    -- starts no journey is kept and in the same journey: its previous values (from `ordered`)
    -- are the previous touchpoint's in the journey.
    select
        *,
        case
            when starts_journey then 1
            when epoch(occurred_at) - epoch(previous_at) > $session_gap_seconds then 1
            when previous_phase = 'churn' then 1
            else 0
        end as starts_visit
    from in_journey
),

visits as (
    select
        *,
        max(case when starts_visit = 1 then occurred_epoch end) over (
            partition by person_id order by touchpoint_number rows unbounded preceding
        ) as visit_start_epoch
    from boundaries
),

numbered as (
    -- session_max_minutes: a visit (no gap longer than the session gap) longer than the cap is cut
    -- into pieces of the cap's length counted from the visit's first touchpoint; one session each
    -- (the previous touchpoint of a touchpoint that starts no visit is in the same visit)
    select
        *,
        cast(sum(
            case
                when starts_visit = 1 then 1
                when cast($session_max_seconds as double) is not null
                    and floor((occurred_epoch - visit_start_epoch) / cast($session_max_seconds as double))
                        <> floor((epoch(previous_at) - visit_start_epoch)
                                 / cast($session_max_seconds as double))
                    then 1
                else 0
            end
        ) over (
            partition by person_id order by touchpoint_number rows unbounded preceding
        ) as bigint) as session_number,
        cast(journey_count as bigint) as journey_number
    from visits
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
    n.event_id,
    n.person_id,
    n.session_id,
    n.journey_id,
    -- timestamps and order
    n.occurred_at,
    n.touchpoint_number,
    n.session_number,
    n.journey_number,
    -- classification
    n.touchpoint,
    k.channel,
    k.category,
    k.is_online,
    n.phase,
    n.phase_order,
    n.is_conversion,
    -- the previous touchpoint of the same journey (none for the journey's first)
    not n.starts_journey and coalesce(n.touchpoint = n.previous_touchpoint, false) as repeats_previous,
    k.rule_order,
    -- event attributes
    k.source,
    k.event_name,
    k.page_path,
    k.utm_source,
    k.utm_medium,
    k.utm_campaign,
    k.origin,
    -- measures
    k.value,
    k.currency
from with_ids as n
join kept as k on k.event_id = n.event_id
