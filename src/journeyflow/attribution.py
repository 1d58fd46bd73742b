"""Multi-touch attribution: rule-based credits in SQL, the Markov removal effect on aggregated edges.

marts.path_steps holds each journey's credited steps with the rule-based credits (SQL, set-based);
marts.attribution sums them per touchpoint and per channel and adds the Markov model, whose chain is
built from aggregated step-to-step edges of the same paths and solved by `journeyflow.markov`.
"""

from __future__ import annotations

import pyarrow as pa

from journeyflow.engines import Engine, build_table
from journeyflow.incremental import build_per_person
from journeyflow.markov import solve_chain
from journeyflow.run_context import Metadata, RunContext

LEVELS = ("touchpoint", "channel")

# Aggregated edges of the credited paths, per level: START → steps → CONVERSION (or EXIT). Each step
# row carries the next step's node (marts.path_steps, built per person), so this is one aggregation.
PATH_EDGES_SQL = """
with edges as (
    select 'touchpoint' as level, 'START' as from_node, touchpoint as to_node
    from marts.path_steps
    where step_number = 1
    union all
    select 'touchpoint', touchpoint,
        case when step_number < path_steps then next_touchpoint
            when converted then 'CONVERSION' else 'EXIT' end
    from marts.path_steps
    union all
    select 'channel', 'START', channel
    from marts.path_steps
    where step_number = 1
    union all
    select 'channel', channel,
        case when step_number < path_steps then next_channel
            when converted then 'CONVERSION' else 'EXIT' end
    from marts.path_steps
)

select level, from_node, to_node, count(*) as transitions
from edges
where to_node is not null
group by level, from_node, to_node
order by level, from_node, to_node
"""


def build_path_steps(ctx: RunContext) -> Metadata:
    """marts.path_steps, with the time-decay half-life from `attribution_half_life_days` (default 7)
    and the last-non-direct lookback from `last_non_direct_lookback_days` (default 90)."""
    half_life_days = ctx.settings.attribution_half_life_days
    if half_life_days <= 0:
        raise ValueError(f"attribution_half_life_days must be positive, got {half_life_days}")
    lookback_days = ctx.settings.last_non_direct_lookback_days
    # one journey's steps depend on its own touchpoints and their sessions (rebuilt for the same
    # persons just before): incremental per person; the sessions' channel groups (is_direct) on the
    # list of source categories too: a new list rebuilds it all, as it rebuilds core.sessions
    params = {"half_life_seconds": half_life_days * 86400,
              "last_non_direct_lookback_seconds": lookback_days * 86400}
    built = build_per_person(ctx, "marts.path_steps", extra_params=params)
    return {**built, "half_life_days": half_life_days, "last_non_direct_lookback_days": lookback_days}


def markov_removal_effects(engine: Engine) -> pa.Table:
    """Removal effect of every touchpoint and channel on the chain of the credited paths.

    The engine aggregates the edges; only they (hundreds of rows) come to Python, as Arrow.
    """
    arrow = engine.fetch_arrow(PATH_EDGES_SQL)
    edges = list(zip(*(column.to_pylist() for column in arrow.columns), strict=True))
    names: list[str] = []
    levels: list[str] = []
    effects: list[float] = []
    for level in LEVELS:  # two chains, each solved once
        solution = solve_chain((f, t, n) for lv, f, t, n in edges if lv == level)
        names += solution.nodes
        levels += [level] * len(solution.nodes)
        effects += solution.removal_effect.tolist()
    return pa.table({"level": levels, "name": names, "removal_effect": effects},
                    schema=pa.schema([("level", pa.string()), ("name", pa.string()),
                                      ("removal_effect", pa.float64())]))


def build_attribution(ctx: RunContext) -> Metadata:
    """marts.attribution: every model side by side, per touchpoint and per channel."""
    ctx.engine.register("markov_removal_effects", markov_removal_effects(ctx.engine))
    try:
        rows = build_table(ctx.engine, "marts.attribution", ctx.params)
    finally:
        ctx.engine.unregister("markov_removal_effects")
    conversions = ctx.con.execute(
        "SELECT count(DISTINCT journey_id) FROM marts.path_steps WHERE converted"
    ).fetchall()[0][0]
    return {"rows": rows, "conversions": conversions}
