"""Absorbing Markov chains on aggregated journey edges: conversion probability and removal effects.

States are START and the touchpoints (or channels); CONVERSION and EXIT absorb, so edges out of them
are ignored. One dense solve on the aggregated edges (hundreds of nodes) answers every node at once;
events never reach Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from journeyflow.engines import build_table
from journeyflow.run_context import Metadata, RunContext

START, CONVERSION, EXIT = "START", "CONVERSION", "EXIT"
ABSORBING = frozenset({CONVERSION, EXIT})


@dataclass(frozen=True)
class ChainSolution:
    """Per transient node (START excluded), in the order of `nodes`."""

    nodes: list[str]
    conversion_probability: np.ndarray  # P(absorbed in CONVERSION | at node)
    visit_probability: np.ndarray  # P(node visited at least once | START)
    removal_effect: np.ndarray  # drop of P(START → CONVERSION) when the node's inflow goes to EXIT
    start_conversion_probability: float  # P(START → CONVERSION)


def transition_matrices(
    edges: Iterable[tuple[str, str, float]],
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """States (START first) and the row-normalised transient block Q and conversion column r.

    A state with no outgoing edge is treated as leaving to EXIT, so I − Q is always invertible.
    """
    edge_list = [(str(f), str(t), float(w)) for f, t, w in edges if f not in ABSORBING and w > 0]
    transient = {f for f, _, _ in edge_list} | {t for _, t, _ in edge_list if t not in ABSORBING}
    states = [START] + sorted(transient - {START})
    index = {s: i for i, s in enumerate(states)}
    n = len(states)
    counts = np.zeros((n, n))
    to_conversion = np.zeros(n)
    to_exit = np.zeros(n)
    for f, t, w in edge_list:  # one row per aggregated edge
        if t == CONVERSION:
            to_conversion[index[f]] += w
        elif t == EXIT:
            to_exit[index[f]] += w
        else:
            counts[index[f], index[t]] += w
    totals = counts.sum(axis=1) + to_conversion + to_exit
    dead_ends = totals == 0
    totals[dead_ends] = 1.0  # no way out observed: leaves to EXIT
    return states, counts / totals[:, None], to_conversion / totals


def solve_chain(edges: Iterable[tuple[str, str, float]]) -> ChainSolution:
    """Conversion probability, visit probability and removal effect of every node from one inverse.

    With N = (I − Q)⁻¹ and h = N r (absorption in CONVERSION), the chance to ever visit k from START
    is f_k = N[START, k] / N[k, k]; removing k (its inflow redirected to EXIT) loses exactly the
    conversions that pass through k, so the drop of P(START → CONVERSION) is f_k · h_k.
    """
    states, q, r = transition_matrices(edges)
    n = len(states)
    fundamental = np.linalg.solve(np.eye(n) - q, np.eye(n))
    conversion = fundamental @ r
    visit = fundamental[0, :] / np.diag(fundamental)
    removal = visit * conversion
    return ChainSolution(
        nodes=states[1:],
        conversion_probability=np.clip(conversion[1:], 0.0, 1.0),
        visit_probability=np.clip(visit[1:], 0.0, 1.0),
        removal_effect=np.clip(removal[1:], 0.0, 1.0),
        start_conversion_probability=float(np.clip(conversion[0], 0.0, 1.0)),
    )


def build_graph_metrics(ctx: RunContext) -> Metadata:
    """marts.touchpoint_graph_metrics: solve each unit's chain (journey, session, person) from the
    touchpoint edges of marts.transitions_by_scope, then rank in SQL."""
    edges = ctx.engine.fetch_arrow(  # the aggregated edges only, as Arrow from either engine
        "SELECT unit, from_node, to_node, transitions FROM marts.transitions_by_scope "
        "WHERE scope = 'touchpoint' ORDER BY unit, from_node, to_node"
    ).to_pydict()
    by_unit: dict[str, list[tuple[str, str, int]]] = {}
    for unit, *edge in zip(edges["unit"], edges["from_node"], edges["to_node"], edges["transitions"],
                           strict=True):
        by_unit.setdefault(unit, []).append(tuple(edge))
    parts: dict[str, list] = {name: [] for name in (
        "unit", "touchpoint", "conversion_probability", "visit_probability", "removal_effect",
        "start_conversion_probability")}
    start_probability: dict[str, float] = {}
    for unit, unit_edges in sorted(by_unit.items()):
        solution = solve_chain(unit_edges)
        start_probability[unit] = solution.start_conversion_probability
        parts["unit"] += [unit] * len(solution.nodes)
        parts["touchpoint"] += list(solution.nodes)
        parts["conversion_probability"] += solution.conversion_probability.tolist()
        parts["visit_probability"] += solution.visit_probability.tolist()
        parts["removal_effect"] += solution.removal_effect.tolist()
        parts["start_conversion_probability"] += [solution.start_conversion_probability] * len(solution.nodes)
    chain = pa.table(parts, schema=pa.schema([
        ("unit", pa.string()), ("touchpoint", pa.string()), ("conversion_probability", pa.float64()),
        ("visit_probability", pa.float64()), ("removal_effect", pa.float64()),
        ("start_conversion_probability", pa.float64()),
    ]))
    min_visits = ctx.settings.bottleneck_min_visits
    ctx.engine.register("touchpoint_chain", chain)
    try:
        rows = build_table(ctx.engine, "marts.touchpoint_graph_metrics",
                           {"bottleneck_min_visits": min_visits})
    finally:
        ctx.engine.unregister("touchpoint_chain")
    return {
        "rows": rows,
        "start_conversion_probability": round(start_probability.get("journey", 0.0), 6),
        "bottleneck_min_visits": min_visits,
    }
