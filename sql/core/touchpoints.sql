-- model: kind=by_person key=person_id writes=core.touchpoint_inputs
-- grain: one row per classified event of a known person (technical events dropped), with its session and journey
-- The passes over every event carry only ids, times and rule numbers: the classification's text
-- columns and the events' attributes are joined on at the end (at 10M events, carrying them
-- through the window sorts spilled 23 GB).
with recursive rule_keys as (
    -- each rule under the event name it is matched on: its own, or for a rule naming no event or
    -- matching names by regex/contains every event name in the data it fits (distinct names times
    -- rules: small), so one hash join on the name finds an event's candidate rules
    select r.event_name as match_name, r.*
    from core.taxonomy_rules as r
    where r.event_name_operator = 'equals'
    union all
    select n.event_name, r.*
    from (select distinct event_name from staging.events) as n
    join core.taxonomy_rules as r
        on r.event_name is null
        or (r.event_name_operator = 'regex' and regexp_matches(n.event_name, r.event_name))
        or (r.event_name_operator = 'contains' and contains(n.event_name, r.event_name))
),

classified as (
    -- core.event_persons: the person of each event (an incremental run passes only changed persons);
    -- the first rule (lowest rule_order) whose match fits; the rows of one rule (one per
    -- combination of listed match values) share its outcome, taken from rule_outcomes. A match
    -- value's operator: page_path 'like', others 'equals', or 'regex' (found anywhere; RLIKE on
    -- Spark) or 'contains'; UTM values and origins are lower-cased (rule values already are)
    select
        e.event_id,
        p.person_id,
        e.occurred_at,
        -- export order, the tiebreak of events at the same time (see `ordered`)
        e.source,
        e.source_file,
        e.source_row,
        -- the web tracker's session (sessions: tracker; NULL when it is off: nothing more to sort)
        case when $tracker_sessions then e.tracker_session_id end as tracker_session_id,
        min(case
            when (r.source is null or r.source = e.source)
                and (r.page_path is null or case r.page_path_operator
                    when 'regex' then regexp_matches(e.page_path, r.page_path)
                    when 'contains' then contains(e.page_path, r.page_path)
                    else e.page_path like r.page_path end)
                and (r.utm_medium is null or case r.utm_medium_operator
                    when 'regex' then regexp_matches(lower(e.utm_medium), r.utm_medium)
                    when 'contains' then contains(lower(e.utm_medium), r.utm_medium)
                    else lower(e.utm_medium) = r.utm_medium end)
                and (r.utm_source is null or case r.utm_source_operator
                    when 'regex' then regexp_matches(lower(e.utm_source), r.utm_source)
                    when 'contains' then contains(lower(e.utm_source), r.utm_source)
                    else lower(e.utm_source) = r.utm_source end)
                and (r.origin is null or case r.origin_operator
                    when 'regex' then regexp_matches(lower(e.origin), r.origin)
                    when 'contains' then contains(lower(e.origin), r.origin)
                    else lower(e.origin) = r.origin end)
                and (r.value_min is null or e.value >= r.value_min)
                and (r.value_max is null or e.value <= r.value_max)
                then r.rule_order
        end) as rule_order
    from staging.events as e
    join core.event_persons as p on p.event_id = e.event_id
    left join rule_keys as r on r.match_name is not distinct from e.event_name
    group by e.event_id, p.person_id, e.occurred_at, e.source, e.source_file, e.source_row,
        e.tracker_session_id
),

rule_outcomes as (
    select distinct
        rule_order, is_ignored, touchpoint, channel, category, is_online, phase, phase_order,
        is_conversion, repeat_touchpoint, repeat_phase, repeat_phase_order
    from core.taxonomy_rules
),

kept_all as (
    select c.event_id, c.person_id, c.occurred_at, c.source, c.source_file, c.source_row, c.rule_order,
        c.tracker_session_id, coalesce(o.is_conversion, false) as is_conversion
    from classified as c
    left join rule_outcomes as o on o.rule_order = c.rule_order
    where not coalesce(o.is_ignored, false)
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
    -- one sort per person for numbering, conversions so far and the previous touchpoint's rule
    -- (the previous touchpoint of a kept row in a journey is always in the same journey, see
    -- visit_starts). Events at the same time keep export order: source (by name), then file and
    -- row within it; event_id only breaks what is left (docs/metrics.md "Order of events")
    select
        event_id, person_id, occurred_at, epoch(occurred_at) as occurred_epoch, rule_order,
        is_conversion, tracker_session_id,
        row_number() over (
            partition by person_id order by occurred_at, source, source_file, source_row, event_id
        ) as touchpoint_number,
        sum(case when is_conversion then 1 else 0 end) over (
            partition by person_id order by occurred_at, source, source_file, source_row, event_id
            rows unbounded preceding
        ) as conversions_so_far,
        lag(occurred_at) over (
            partition by person_id order by occurred_at, source, source_file, source_row, event_id
        ) as previous_at,
        lag(is_conversion) over (
            partition by person_id order by occurred_at, source, source_file, source_row, event_id
        ) as previous_is_conversion,
        lag(rule_order) over (
            partition by person_id order by occurred_at, source, source_file, source_row, event_id
        ) as previous_rule_order,
        lag(tracker_session_id) over (
            partition by person_id order by occurred_at, source, source_file, source_row, event_id
        ) as previous_tracker_session_id
    from kept
),

relabelled as (
    -- a conversion by a person who converted before is a repeat (repeat purchase, upsell); the
    -- previous touchpoint had converted conversions_so_far minus this row's conversion times
    select
        t.*,
        case when t.is_conversion and t.conversions_so_far > 1 and o.repeat_touchpoint is not null
            then o.repeat_touchpoint else coalesce(o.touchpoint, 'unmapped') end as touchpoint,
        case when t.is_conversion and t.conversions_so_far > 1 and o.repeat_phase is not null
            then o.repeat_phase else o.phase end as phase,
        case when t.is_conversion and t.conversions_so_far > 1 and o.repeat_phase is not null
            then o.repeat_phase_order else o.phase_order end as phase_order,
        case
            when t.touchpoint_number = 1 then null
            when t.previous_is_conversion
                and t.conversions_so_far - case when t.is_conversion then 1 else 0 end > 1
                and p.repeat_touchpoint is not null
                then p.repeat_touchpoint
            else coalesce(p.touchpoint, 'unmapped')
        end as previous_touchpoint,
        case when t.previous_is_conversion
                and t.conversions_so_far - case when t.is_conversion then 1 else 0 end > 1
                and p.repeat_phase is not null
            then p.repeat_phase else p.phase end as previous_phase
    from ordered as t
    left join rule_outcomes as o on o.rule_order = t.rule_order
    left join rule_outcomes as p on p.rule_order = t.previous_rule_order
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

visit_starts as (
    -- Left-out touchpoints end a journey's run of touchpoints (times only grow, and a new
    -- episode or journey only starts at a start), so the touchpoint before a kept one that
    -- starts no journey is kept and in the same journey: its previous values (from `ordered`)
    -- are the previous touchpoint's in the journey, and the last visit start up to a kept
    -- touchpoint (visit_start_epoch below) is at or after its journey's start, so it is kept too.
    select
        e.*,
        s.touchpoint_number is not null as starts_journey,
        case
            when s.touchpoint_number is not null then 1
            when e.previous_phase = 'churn' then 1
            -- sessions: tracker: two touchpoints in a row that both carry a tracker session are in
            -- one session when it is the same one, whatever the gap (docs/metrics.md "Tracker
            -- sessions"); any other pair falls back to the gap rule
            when e.tracker_session_id is not null and e.previous_tracker_session_id is not null
                then case when e.tracker_session_id = e.previous_tracker_session_id then 0 else 1 end
            when e.occurred_epoch - epoch(e.previous_at) > $session_gap_seconds then 1
            else 0
        end as starts_visit
    from episodes as e
    left join journey_starts as s
        on s.person_id = e.person_id and s.touchpoint_number = e.touchpoint_number
),

assigned as (
    -- one sort for the journey a touchpoint belongs to and the start of its visit (a visit has
    -- no gap longer than the session gap)
    select
        *,
        sum(case when starts_journey then 1 else 0 end) over (
            partition by person_id order by touchpoint_number rows unbounded preceding
        ) as journey_count,
        max(case when starts_journey then occurred_epoch end) over (
            partition by person_id order by touchpoint_number rows unbounded preceding
        ) as journey_start_epoch,
        max(case when starts_journey then episode_number end) over (
            partition by person_id order by touchpoint_number rows unbounded preceding
        ) as journey_episode,
        max(case when starts_visit = 1 then occurred_epoch end) over (
            partition by person_id order by touchpoint_number rows unbounded preceding
        ) as visit_start_epoch
    from visit_starts
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

numbered as (
    -- session_max_minutes: a visit longer than the cap is cut into pieces of the cap's length
    -- counted from the visit's first touchpoint; one session each (the previous touchpoint of a
    -- touchpoint that starts no visit is in the same visit)
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
    from in_journey
)

select
    -- ids
    n.event_id,
    n.person_id,
    n.person_id || ':s' || printf('%05d', n.session_number) as session_id,
    n.person_id || ':j' || printf('%03d', n.journey_number) as journey_id,
    -- timestamps and order
    n.occurred_at,
    n.touchpoint_number,
    n.session_number,
    n.journey_number,
    -- classification
    n.touchpoint,
    coalesce(o.channel, 'unknown') as channel,
    o.category,
    coalesce(o.is_online, true) as is_online,
    n.phase,
    n.phase_order,
    n.is_conversion,
    -- the previous touchpoint of the same journey (none for the journey's first)
    not n.starts_journey and coalesce(n.touchpoint = n.previous_touchpoint, false) as repeats_previous,
    n.rule_order,
    -- event attributes
    e.source,
    e.event_name,
    e.page_path,
    e.utm_source,
    e.utm_medium,
    e.utm_campaign,
    e.origin,
    e.referrer_medium,
    e.referrer_source,
    e.tracker_session_id,
    -- measures
    e.value,
    e.currency
from numbered as n
join staging.events as e on e.event_id = n.event_id
left join rule_outcomes as o on o.rule_order = n.rule_order
