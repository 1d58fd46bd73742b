-- model: kind=full
-- grain: one row per path variant (a journey's steps before its first conversion, or all its steps), plus one "(other paths)" row
--
-- The path is the one attribution credits (marts.path_steps): the conversion touchpoint itself is
-- left out, so converting and non-converting journeys that took the same way share a variant and
-- the conversion rate compares them. Variants with fewer than $min_path_journeys journeys are
-- folded into one "(other paths)" row, ranked last.
with steps as (
    select journey_id, person_id, step_number, touchpoint, converted
    from marts.path_steps
),

journey_paths as (
    select
        journey_id,
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
    from steps
    group by journey_id, person_id
),

variants as (
    select
        touchpoint_path,
        max(path_steps) as path_steps,
        count(*) as journeys,
        count(distinct person_id) as persons,
        count(*) filter (where converted) as conversions
    from journey_paths
    group by touchpoint_path
),

rare_journeys as (
    select j.*
    from journey_paths as j
    join variants as v on v.touchpoint_path = j.touchpoint_path
    where v.journeys < $min_path_journeys
),

listed as (
    select touchpoint_path, path_steps, journeys, persons, conversions, false as is_other
    from variants
    where journeys >= $min_path_journeys
    union all
    select
        '(other paths)' as touchpoint_path,
        cast(null as bigint) as path_steps,
        count(*) as journeys,
        count(distinct person_id) as persons,
        count(*) filter (where converted) as conversions,
        true as is_other
    from rare_journeys
    having count(*) > 0
),

ranked as (
    select
        *,
        row_number() over (order by is_other, journeys desc, touchpoint_path) as path_rank,
        sum(journeys) over () as all_journeys
    from listed
)

select
    -- rank and variant
    path_rank,
    touchpoint_path,
    path_steps,
    is_other,
    -- measures
    journeys,
    persons,
    conversions,
    cast(conversions as double) / journeys as conversion_rate,
    cast(journeys as double) / all_journeys as journey_share
from ranked
order by path_rank
