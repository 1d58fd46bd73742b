-- model: kind=full
-- grain: one row per unit (journey, session, person) and path variant (a unit's steps before its
-- first conversion, or all its steps), plus one "(other paths)" row per unit
--
-- A step is a run of consecutive identical touchpoints within the unit (as in marts.transitions).
-- The journey path is the one attribution credits (marts.path_steps): the conversion touchpoint
-- itself is left out, so converting and non-converting units that took the same way share a
-- variant and the conversion rate compares them; a unit whose first step is the conversion keeps
-- that step. Per session the sequence breaks at session boundaries; per person it runs across the
-- person's journeys (the units of the `units` setting, $units). The journey's rows come from
-- marts.path_steps; core.touchpoints is read again (one window pass) only for sessions and persons,
-- when $units lists them. Variants with fewer than $min_path_journeys units are folded into one
-- "(other paths)" row, ranked last. Filter on `unit`: the units' rows are not to be added up.
with journey_paths as (
    -- the journey: the path attribution credits, already cut at the conversion (marts.path_steps)
    select
        'journey' as unit,
        journey_id as unit_id,
        person_id,
        bool_or(converted) as converted,
        count(*) as path_steps,
        array_to_string(
            list_transform(
                list_sort(list({'n': step_number, 'tp': touchpoint})),
                lambda step: step.tp
            ),
            ' > '
        ) as touchpoint_path
    from marts.path_steps
    group by journey_id, person_id
),

touchpoints as (
    -- sessions and persons only: the previous touchpoint of the person (by touchpoint_number, see
    -- docs/metrics.md); no row (and no window pass) when $units lists neither
    select
        person_id, session_id, touchpoint_number, touchpoint, is_conversion,
        lag(touchpoint) over (partition by person_id order by touchpoint_number) as previous_touchpoint,
        lag(session_id) over (partition by person_id order by touchpoint_number) as previous_session_id
    from core.touchpoints
    where list_contains(cast($units as varchar[]), 'session')
        or list_contains(cast($units as varchar[]), 'person')
),

unit_steps as (
    -- per session or person, the touchpoints that start a step: the unit's first, or a change of
    -- touchpoint
    select
        t.u.unit as unit, t.u.unit_id as unit_id, t.person_id, t.touchpoint_number, t.touchpoint,
        t.is_conversion
    from (
        select
            t.person_id, t.touchpoint_number, t.touchpoint, t.is_conversion,
            unnest([
                {
                    'unit': 'session', 'unit_id': t.session_id,
                    'starts_step': coalesce(t.session_id <> t.previous_session_id, true)
                        or coalesce(t.touchpoint <> t.previous_touchpoint, true)
                },
                {
                    'unit': 'person', 'unit_id': t.person_id,
                    'starts_step': coalesce(t.touchpoint <> t.previous_touchpoint, true)
                }
            ]) as u
        from touchpoints as t
    ) as t
    where t.u.starts_step and list_contains(cast($units as varchar[]), t.u.unit)
),

unit_conversions as (
    -- the unit's first step and its first step that is a conversion
    select
        unit,
        unit_id,
        min(touchpoint_number) as first_number,
        min(case when is_conversion then touchpoint_number end) as conversion_number
    from unit_steps
    group by unit, unit_id
),

unit_paths as (
    -- sessions and persons cut at their first conversion as marts.path_steps cuts the journey
    select
        s.unit,
        s.unit_id,
        s.person_id,
        c.conversion_number is not null as converted,
        count(*) as path_steps,
        array_to_string(
            list_transform(
                list_sort(list({'n': s.touchpoint_number, 'tp': s.touchpoint})),
                lambda step: step.tp
            ),
            ' > '
        ) as touchpoint_path
    from unit_steps as s
    join unit_conversions as c on c.unit = s.unit and c.unit_id = s.unit_id
    where c.conversion_number is null
        or s.touchpoint_number < c.conversion_number
        or (c.conversion_number = c.first_number and s.touchpoint_number = c.first_number)
    group by s.unit, s.unit_id, s.person_id, c.conversion_number
    union all
    select unit, unit_id, person_id, converted, path_steps, touchpoint_path
    from journey_paths
),

variants as (
    select
        unit,
        touchpoint_path,
        max(path_steps) as path_steps,
        count(*) as units,
        count(distinct person_id) as persons,
        count(*) filter (where converted) as conversions
    from unit_paths
    group by unit, touchpoint_path
),

rare_units as (
    select p.*
    from unit_paths as p
    join variants as v on v.unit = p.unit and v.touchpoint_path = p.touchpoint_path
    where v.units < $min_path_journeys
),

listed as (
    select unit, touchpoint_path, path_steps, units, persons, conversions, false as is_other
    from variants
    where units >= $min_path_journeys
    union all
    select
        unit,
        '(other paths)' as touchpoint_path,
        cast(null as bigint) as path_steps,
        count(*) as units,
        count(distinct person_id) as persons,
        count(*) filter (where converted) as conversions,
        true as is_other
    from rare_units
    group by unit
),

ranked as (
    select
        *,
        row_number() over (
            partition by unit order by is_other, units desc, touchpoint_path
        ) as path_rank,
        sum(units) over (partition by unit) as all_units
    from listed
)

select
    -- unit, rank and variant
    unit,
    path_rank,
    touchpoint_path,
    path_steps,
    is_other,
    -- measures
    units,
    persons,
    conversions,
    cast(conversions as double) / units as conversion_rate,
    cast(units as double) / all_units as unit_share
from ranked
order by unit, path_rank
