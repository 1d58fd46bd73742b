-- model: kind=by_person key=person_id
-- grain: one row per person journey (first touchpoint until churn or the inactivity window)
-- $data_end_epoch: epoch seconds of the latest touchpoint of every person. The builder passes it in,
-- because an incremental run rebuilds only some persons: their journeys must be judged against the
-- data's end, not against their own last touchpoint (incremental.build_journeys).
with touchpoints as (
    select * from core.touchpoints
),

aggregated as (
    select
        journey_id,
        person_id,
        journey_number,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as touchpoints,
        count(distinct session_id) as sessions,
        count(distinct channel) as channels,
        array_to_string(
            list_transform(
                list_sort(
                    list({'n': touchpoint_number, 'tp': touchpoint}) filter (where not repeats_previous)
                ),
                lambda step: step.tp
            ),
            ' > '
        ) as touchpoint_path,
        list_transform(
            list_sort(list(distinct {'o': phase_order, 'p': phase}) filter (where phase_order is not null)),
            lambda ph: ph.p
        ) as phases_reached,
        max(phase_order) as max_phase_order,
        bool_or(is_conversion) as converted,
        min(occurred_at) filter (where is_conversion) as converted_at,
        -- summed in ascending order of value: a DOUBLE sum(value) depends on the order DuckDB's
        -- threads add rows, and money need not fit a decimal (docs/metrics.md)
        coalesce(list_sum(list_sort(list(value) filter (where is_conversion and value is not null))), 0)
            as conversion_value,
        bool_or(phase = 'churn') as churned,
        arg_min(touchpoint, touchpoint_number) as first_touchpoint,
        arg_min(channel, touchpoint_number) as first_channel,
        arg_max(touchpoint, touchpoint_number) as last_touchpoint
    from touchpoints
    group by journey_id, person_id, journey_number
)

select
    -- ids
    a.journey_id,
    a.person_id,
    a.journey_number,
    -- timestamps
    a.started_at,
    a.ended_at,
    a.converted_at,
    -- measures
    a.touchpoints,
    a.sessions,
    a.channels,
    a.conversion_value,
    -- path
    a.first_touchpoint,
    a.first_channel,
    a.last_touchpoint,
    a.touchpoint_path,
    a.phases_reached,
    p.phase as max_phase,
    -- outcome
    a.converted,
    a.churned,
    case
        when a.churned then 'churned'
        when a.converted then 'converted'
        when $data_end_epoch - epoch(a.ended_at) > $journey_gap_seconds then 'dropped'
        else 'open'
    end as outcome
from aggregated as a
left join core.phases as p on p.phase_order = a.max_phase_order
