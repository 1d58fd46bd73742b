-- model: kind=full
-- grain: one row per funnel, breakdown, breakdown_value and step
--
-- Every funnel of `funnel_steps` (one row per funnel step, built from funnels.yaml by
-- journeyflow.funnels, or one ad-hoc funnel from the API/CLI/explorer) at once. A step matches a
-- touchpoint when every key it sets (touchpoint, event_name, phase, channel, category, source,
-- page_path as a LIKE pattern, utm_source, utm_medium, utm_campaign, origin) equals the
-- touchpoint's value. Per unit (person, journey or session; by touchpoint_number):
--   ordered  step 1 = the unit's first step-1 match (the anchor); step k = the first step-k match
--            after the step k-1 match, other touchpoints in between allowed
--   strict   step k = the unit's very next touchpoint after the step k-1 match; every step-1 match
--            starts a try, the unit counts once per step
--   any      step k reached when steps 1..k all matched (a step listed j times needs j matches),
--            anchored at the unit's first match of any step; reached at the latest of those matches
-- with every match at most window_seconds after the anchor (null: no window).
with recursive steps as (
    select
        *,
        case unit when 'person' then 'p' when 'journey' then 'j' else 's' end as unit_key
    from funnel_steps
),

funnel_units as (
    select distinct funnel, unit_key from steps
),

events as (
    -- each touchpoint once per funnel, keyed by the funnel's unit
    select
        f.funnel,
        case f.unit_key when 'p' then t.person_id when 'j' then t.journey_id else t.session_id end
            as unit_id,
        t.person_id,
        t.journey_id,
        t.touchpoint_number as n,
        epoch(t.occurred_at) as ts,
        t.touchpoint, t.event_name, t.phase, t.channel, t.category, t.source, t.page_path,
        t.utm_source, t.utm_medium, t.utm_campaign, t.origin
    from core.touchpoints as t
    cross join funnel_units as f
),

sequenced as (
    select *, row_number() over (partition by funnel, unit_id order by n) as seq
    from events
),

matches as (
    -- every (touchpoint, step) pair where the touchpoint matches the step
    select e.funnel, e.unit_id, s.step, s.mode, s.occurrence, s.window_seconds, e.n, e.seq, e.ts
    from sequenced as e
    join steps as s
        on s.funnel = e.funnel
        and (s.touchpoint is null or s.touchpoint = e.touchpoint)
        and (s.event_name is null or s.event_name = e.event_name)
        and (s.phase is null or s.phase = e.phase)
        and (s.channel is null or s.channel = e.channel)
        and (s.category is null or s.category = e.category)
        and (s.source is null or s.source = e.source)
        and (s.page_path is null or e.page_path like s.page_path)
        and (s.utm_source is null or s.utm_source = e.utm_source)
        and (s.utm_medium is null or s.utm_medium = e.utm_medium)
        and (s.utm_campaign is null or s.utm_campaign = e.utm_campaign)
        and (s.origin is null or s.origin = e.origin)
),

ordered_pairs as (
    -- the matches of step k-1 (from) and of step k (to), per unit and k, for the next-match window
    select funnel, unit_id, step + 1 as step, n, ts, false as is_to
    from matches
    where mode = 'ordered'
    union all
    select funnel, unit_id, step, n, ts, true as is_to
    from matches
    where mode = 'ordered' and step > 1
),

ordered_next as (
    -- for a step k-1 match at n: the first step-k match after it (a same-n `to` row sorts before)
    select funnel, unit_id, step, from_n, to_n, to_at
    from (
        select
            funnel,
            unit_id,
            step,
            is_to,
            n as from_n,
            min(case when is_to then n end) over (
                partition by funnel, unit_id, step order by n, is_to desc
                rows between 1 following and unbounded following
            ) as to_n,
            min(case when is_to then ts end) over (
                partition by funnel, unit_id, step order by n, is_to desc
                rows between 1 following and unbounded following
            ) as to_at
        from ordered_pairs
    ) as w
    where not is_to and to_n is not null
),

links as (
    -- from a step k-1 match to the step k match that continues the funnel
    select funnel, unit_id, step, from_n, to_n, to_at from ordered_next
    union all
    select p.funnel, p.unit_id, k.step, p.n, k.n, k.ts
    from matches as p
    join matches as k
        on k.funnel = p.funnel and k.unit_id = p.unit_id and k.step = p.step + 1 and k.seq = p.seq + 1
    where p.mode = 'strict'
),

starts as (
    -- ordered: the unit's first step-1 match; strict: every step-1 match
    select funnel, unit_id, min(n) as n
    from matches
    where step = 1 and mode = 'ordered'
    group by funnel, unit_id
    union all
    select funnel, unit_id, n
    from matches
    where step = 1 and mode = 'strict'
),

chains(funnel, unit_id, start_n, step, n, ts, anchor_at, gap) as (
    select s.funnel, s.unit_id, s.n, cast(1 as bigint), s.n, m.ts, m.ts, cast(null as double)
    from starts as s
    join matches as m on m.funnel = s.funnel and m.unit_id = s.unit_id and m.step = 1 and m.n = s.n
    union all
    select c.funnel, c.unit_id, c.start_n, cast(l.step as bigint), l.to_n, l.to_at, c.anchor_at,
        cast(l.to_at - c.ts as double)
    from chains as c
    join links as l on l.funnel = c.funnel and l.unit_id = c.unit_id and l.step = c.step + 1 and l.from_n = c.n
    join steps as s on s.funnel = l.funnel and s.step = l.step
    where s.window_seconds is null or l.to_at - c.anchor_at <= s.window_seconds
),

chain_reached as (
    -- once per unit and step: strict takes the earliest try that got this far
    select funnel, unit_id, step, arg_min(gap, start_n) as gap
    from chains
    group by funnel, unit_id, step
),

any_anchors as (
    select funnel, unit_id, min(ts) as anchor_at
    from matches
    where mode = 'any'
    group by funnel, unit_id
),

any_ranked as (
    -- the matches within the window, numbered per unit and step
    select
        m.funnel,
        m.unit_id,
        m.step,
        m.occurrence,
        m.ts,
        row_number() over (partition by m.funnel, m.unit_id, m.step order by m.n) as match_number
    from matches as m
    join any_anchors as a on a.funnel = m.funnel and a.unit_id = m.unit_id
    where m.mode = 'any' and (m.window_seconds is null or m.ts - a.anchor_at <= m.window_seconds)
),

any_done as (
    -- each step's j-th match (j = how often the step was listed up to here), with the running count
    -- and latest time over the steps done so far
    select
        funnel,
        unit_id,
        step,
        count(*) over (partition by funnel, unit_id order by step rows unbounded preceding) as done,
        max(ts) over (partition by funnel, unit_id order by step rows unbounded preceding) as reached_at
    from any_ranked
    where match_number = occurrence
),

any_reached as (
    select
        funnel,
        unit_id,
        step,
        cast(reached_at - lag(reached_at) over (partition by funnel, unit_id order by step) as double) as gap
    from any_done
    where done = step
),

reached as (
    select funnel, unit_id, step, gap from chain_reached
    union all
    select funnel, unit_id, step, gap from any_reached
),

unit_firsts as (
    -- each unit's first channel and its person (for the cohort month and segment of their first journey)
    select funnel, unit_id, arg_min(channel, n) as first_channel, arg_min(person_id, n) as person_id
    from sequenced
    group by funnel, unit_id
),

unit_campaigns as (
    -- each unit's first real utm_campaign (GA4 placeholders such as '(organic)' are none)
    select funnel, unit_id, arg_min(utm_campaign, n) as first_campaign
    from sequenced
    where utm_campaign is not null and utm_campaign not like '(%)'
    group by funnel, unit_id
),

cohorts as (
    select
        u.funnel,
        u.unit_id,
        coalesce(u.first_channel, '(none)') as channel,
        coalesce(m.first_campaign, '(none)') as campaign,
        strftime(j.started_at, '%Y-%m') as cohort_month,
        coalesce(g.segment_role, '(none)') as segment
    from unit_firsts as u
    left join unit_campaigns as m on m.funnel = u.funnel and m.unit_id = u.unit_id
    join core.journeys as j on j.person_id = u.person_id and j.journey_number = 1
    left join marts.segment_journeys as g on g.journey_id = j.journey_id
),

reached_cohorts as (
    select r.funnel, r.unit_id, r.step, r.gap, c.channel, c.campaign, c.cohort_month, c.segment
    from reached as r
    join cohorts as c on c.funnel = r.funnel and c.unit_id = r.unit_id
),

breakdowns as (
    select 'all' as breakdown, 'all' as breakdown_value, funnel, unit_id, step, gap from reached_cohorts
    union all
    select 'channel', channel, funnel, unit_id, step, gap from reached_cohorts
    union all
    select 'campaign', campaign, funnel, unit_id, step, gap from reached_cohorts
    union all
    select 'cohort_month', cohort_month, funnel, unit_id, step, gap from reached_cohorts
    union all
    select 'segment', segment, funnel, unit_id, step, gap from reached_cohorts
),

groups as (
    -- every breakdown value with a unit at step 1, times every step of the funnel
    select distinct b.funnel, b.breakdown, b.breakdown_value, s.step, s.label, s.mode, s.unit, s.window_seconds
    from breakdowns as b
    join steps as s on s.funnel = b.funnel
    where b.step = 1
),

counted as (
    select
        g.funnel,
        g.mode,
        g.unit,
        g.window_seconds,
        g.breakdown,
        g.breakdown_value,
        g.step,
        g.label,
        count(b.unit_id) as units,
        median(b.gap) as median_seconds_from_previous
    from groups as g
    left join breakdowns as b
        on b.funnel = g.funnel and b.breakdown = g.breakdown and b.breakdown_value = g.breakdown_value
        and b.step = g.step
    group by g.funnel, g.mode, g.unit, g.window_seconds, g.breakdown, g.breakdown_value, g.step, g.label
)

select
    funnel,
    mode,
    unit,
    window_seconds / 86400 as window_days,
    breakdown,
    breakdown_value,
    step,
    label,
    units,
    units / first_value(units) over (partition by funnel, breakdown, breakdown_value order by step)
        as from_first,
    case when step > 1 then units / nullif(
        lag(units) over (partition by funnel, breakdown, breakdown_value order by step), 0
    ) end as from_previous,
    median_seconds_from_previous
from counted
order by funnel, breakdown, breakdown_value, step
